import { asJoinRequestId, type JoinRequestId } from '../../ids/index.js';
import { ok, refuse, type Command } from './command.js';

/** members, pending, approve, deny, rename (DESIGN.md §3 "Joining is approved"). */

function requestNumber(word: string | undefined): JoinRequestId | string {
  const m = /^#?(\d{1,15})$/.exec(word ?? '');
  if (!m) return `\`${(word ?? '').slice(0, 20)}\` is not a join request number; \`pending\` lists them (e.g. \`approve 3\`).`;
  try {
    return asJoinRequestId(Number(m[1]));
  } catch {
    return 'Join request numbers start at 1; `pending` lists them.';
  }
}

export const members: Command = {
  name: 'members',
  args: [],
  help: 'List the members of a group as the bridge shows them.',
  requiresPortal: true,
  async run({ portal, services: s }) {
    const p = portal!;
    const list = await s.group.members(p.groupId);
    const puppets = await s.stores.puppets.list(p.groupId);
    const lines = [];
    for (const m of list) {
      const ghost = await s.stores.ghosts.get(p.groupId, m.member);
      const puppet = puppets.find((x) => x.member === m.member);
      lines.push(`${ghost?.shownName ?? m.displayName} [${m.member.slice(0, 8)}]${puppet ? ` (bridged: ${puppet.frontend} ${puppet.userId})` : ''}`);
    }
    const waiting = puppets.filter((x) => x.state === 'pending').length;
    return ok(`${p.name}: ${list.length} member${list.length === 1 ? '' : 's'} besides the bridge${waiting ? `, ${waiting} waiting for approval` : ''}.${lines.length ? `\n${lines.join('\n')}` : ''}`);
  },
};

export const pending: Command = {
  name: 'pending',
  args: [{ name: 'group', optional: true }],
  help: 'List the join requests waiting for approve / deny / rename.',
  requiresPortal: false,
  async run({ args, services: s }) {
    const all = await s.stores.joins.pending();
    const list = args['group'] ? all.filter((r) => r.groupId === args['group']) : all;
    if (list.length === 0) return ok('No join requests are waiting.');
    return ok(list.map((r) => `#${r.id} ${r.groupId}: "${r.displayName}" (${r.source === 'voucher' ? 'voucher' : `${r.frontend} ${r.requester}`})`).join('\n'));
  },
};

export const approve: Command = {
  name: 'approve',
  args: [{ name: 'request' }, { name: 'name', optional: true, rest: true }],
  help: 'Approve a join request, optionally under another display name.',
  requiresPortal: false,
  async run({ args, callerName, services: s }) {
    const id = requestNumber(args['request']);
    if (typeof id === 'string') return refuse(id);
    const r = await s.joins.approve(id, callerName, args['name']);
    return r.ok ? ok(`Approved #${id}: "${r.request.displayName}" joins ${r.request.groupId}.`) : refuse(`Cannot approve: ${r.reason}.`);
  },
};

export const deny: Command = {
  name: 'deny',
  args: [{ name: 'request' }],
  help: 'Deny a join request; nothing is written to the group.',
  requiresPortal: false,
  async run({ args, callerName, services: s }) {
    const id = requestNumber(args['request']);
    if (typeof id === 'string') return refuse(id);
    const r = await s.joins.deny(id, callerName);
    return r.ok ? ok(`Denied #${id}: "${r.request.displayName}" was not added.`) : refuse(`Cannot deny: ${r.reason}.`);
  },
};

export const rename: Command = {
  name: 'rename',
  args: [{ name: 'request' }, { name: 'name', rest: true }],
  help: 'Change the display name a join request will have once approved (it stays pending).',
  requiresPortal: false,
  async run({ args, services: s }) {
    const id = requestNumber(args['request']);
    if (typeof id === 'string') return refuse(id);
    const r = await s.joins.rename(id, args['name']!);
    return r.ok ? ok(`#${id} will join as "${r.request.displayName}".`) : refuse(`Cannot rename: ${r.reason}.`);
  },
};
