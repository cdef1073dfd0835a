import type { GroupId } from '../../ids/index.js';
import type { CommandCaller, CommandReply } from '../frontend.js';
import type { BridgeLogger } from '../logger.js';
import type { Portal } from '../portal.js';
import { refuse, usage, type Command, type CommandServices } from './command.js';
import { tokenize } from './parse.js';

/**
 * Runs one admin command line (DESIGN.md §4 "Admin commands"): finds the command, checks the
 * caller is a configured admin (a polite refusal otherwise), resolves the group, checks the
 * arguments, and answers every mistake with what to type instead. The line itself is never
 * logged: `induct` carries a voucher.
 */

export class CommandRegistry {
  private readonly byName: ReadonlyMap<string, Command>;

  constructor(
    readonly commands: readonly Command[],
    private readonly log: BridgeLogger,
  ) {
    this.byName = new Map(commands.map((c) => [c.name, c]));
  }

  isAdmin(caller: CommandCaller, admins: readonly string[]): boolean {
    return caller.adminIdentity !== undefined && admins.includes(caller.adminIdentity);
  }

  async run(caller: CommandCaller, line: string, services: CommandServices): Promise<CommandReply> {
    const t = tokenize(line.trim());
    if ('error' in t) return refuse(`I could not read that: ${t.error}.`);
    const [name, ...words] = t.words;
    if (name === undefined) return refuse('Type `help` for the list of commands.');
    const cmd = this.byName.get(name.toLowerCase());
    if (!cmd) return refuse(`There is no command \`${name.slice(0, 40)}\`. Type \`help\` for the list.`);
    if (!cmd.public && !this.isAdmin(caller, services.config.admins)) {
      this.log.log('info', 'command.refused', { command: cmd.name, frontend: caller.frontend });
      return refuse(`Sorry, \`${cmd.name}\` is only for this bridge's admins. Please ask one of them.`);
    }
    let portal: Portal | undefined;
    if (cmd.requiresPortal) {
      const here = caller.room ? await services.stores.portals.byRoom(caller.frontend, caller.room) : undefined;
      const named = words[0] !== undefined ? await findPortal(services, words[0]) : undefined;
      // A group named explicitly wins only when more words than the command's required args were given.
      const required = cmd.args.filter((a) => !a.optional).length;
      if (named && (!here || words.length > required)) {
        portal = named;
        words.shift();
      } else if (here) {
        portal = here;
      } else {
        const what = words[0] === undefined ? 'which group' : `the group \`${words[0].slice(0, 40)}\`, which does not exist`;
        return refuse(`\`${cmd.name}\` needs ${what}: type it in a portal room, or give the group first (\`${usage(cmd)}\`). \`groups\` lists them.`);
      }
    }
    const args: Record<string, string | undefined> = {};
    for (const [i, a] of cmd.args.entries()) {
      const value = a.rest ? (words.length > i ? words.slice(i).join(' ') : undefined) : words[i];
      if (value === undefined && !a.optional) return refuse(`\`${cmd.name}\` needs ${a.name}. Usage: \`${usage(cmd)}\``);
      args[a.name] = value;
    }
    if (!cmd.args.some((a) => a.rest) && words.length > cmd.args.length) {
      return refuse(`\`${cmd.name}\` takes at most ${cmd.args.length} argument${cmd.args.length === 1 ? '' : 's'}. Usage: \`${usage(cmd)}\``);
    }
    const callerName = caller.adminIdentity ?? caller.userId;
    try {
      const reply = await cmd.run({ caller, callerName, args, services, ...(portal ? { portal } : {}) });
      this.log.log('info', 'command.done', { command: cmd.name, ok: reply.ok, frontend: caller.frontend });
      return reply;
    } catch (e) {
      this.log.log('error', 'command.failed', { command: cmd.name, error: e instanceof Error ? e.name : 'unknown', code: (e as { code?: string }).code });
      return refuse(`\`${cmd.name}\` failed on the bridge's side; the details are in its log.`);
    }
  }
}

async function findPortal(services: CommandServices, word: string): Promise<Portal | undefined> {
  const all = await services.stores.portals.list();
  return all.find((p) => p.groupId === (word as GroupId)) ?? all.find((p) => p.name.toLowerCase() === word.toLowerCase());
}
