import type { Config } from '../../config/index.js';
import type { FrontendId, GroupId } from '../../ids/index.js';
import type { BridgeStores } from '../context.js';
import type { CommandCaller, CommandReply, Frontend } from '../frontend.js';
import type { GroupSide } from '../group-side.js';
import type { JoinFlow } from '../join-flow.js';
import type { Portal } from '../portal.js';

/**
 * Admin commands as values (STYLE.md §1, after mautrix bridgev2 commands/relay.go): each one
 * declares its name, arguments, help and whether it needs a portal, so help text, argument
 * checks and permission checks are done once, in registry.ts.
 */

export interface ArgSpec {
  readonly name: string;
  readonly optional?: boolean;
  /** Takes the rest of the line (names with spaces). Last argument only. */
  readonly rest?: boolean;
}

/** What commands may use: just these services (STYLE.md §7.2). */
export interface CommandServices {
  readonly stores: BridgeStores;
  readonly joins: JoinFlow;
  readonly group: GroupSide;
  readonly frontends: ReadonlyMap<FrontendId, Frontend>;
  readonly config: Config['bridge'];
  readonly now: () => number;
  /** Makes a portal for a group the group side already has (create, voucher). */
  readonly addPortal: (groupId: GroupId, name: string) => Promise<Portal>;
  /** Names of all commands with their one-line help, for `help`. */
  readonly commandList: () => ReadonlyArray<Command>;
}

export interface CommandContext {
  readonly caller: CommandCaller;
  /** The caller's display form in notices: their admin identity or user id. */
  readonly callerName: string;
  readonly args: Readonly<Record<string, string | undefined>>;
  /** Set when the command requires a portal. */
  readonly portal?: Portal;
  readonly services: CommandServices;
}

export interface Command {
  readonly name: string;
  readonly args: readonly ArgSpec[];
  readonly help: string;
  /** Needs a group: the portal room it is typed in, or the group named as the first argument. */
  readonly requiresPortal: boolean;
  /** Everyone may run it (only `help`); every other command is for configured admins. */
  readonly public?: boolean;
  run(ctx: CommandContext): Promise<CommandReply>;
}

export const ok = (text: string, priv = false): CommandReply => ({ ok: true, text, ...(priv ? { private: true } : {}) });
export const refuse = (text: string): CommandReply => ({ ok: false, text });

export function usage(c: Command): string {
  const args = c.args.map((a) => (a.optional ? `[${a.name}]` : a.name.toUpperCase()));
  return [c.name, ...(c.requiresPortal ? ['[GROUP]'] : []), ...args].join(' ');
}
