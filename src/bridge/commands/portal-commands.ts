import { asFrontendRoomId, asGroupId, type GroupId } from '../../ids/index.js';
import { isRoomCreateCapable } from '../capabilities.js';
import { sanitiseName } from '../display-names.js';
import { ok, refuse, type Command, type CommandServices } from './command.js';

/** status, groups, create, link, unlink, policy (DESIGN.md §4 "Admin commands"). */

/** The bridge's own member's name in groups it creates or joins. */
export const BRIDGE_MEMBER_NAME = 'katzenbridge';

export const status: Command = {
  name: 'status',
  args: [],
  help: 'How the bridge is doing: portals, frontends, join requests, queues.',
  requiresPortal: false,
  async run({ services: s }) {
    const portals = await s.stores.portals.list();
    const pending = await s.stores.joins.pending();
    const out = await s.stores.outbox.counts();
    const inn = await s.stores.inbox.counts();
    return ok(
      [
        `Portals: ${portals.length}. Frontends: ${[...s.frontends.keys()].join(', ') || 'none'}.`,
        `Join requests waiting: ${pending.length}.`,
        `To groups: ${out.queued} queued, ${out.held} held for approval, ${out.sent} sent, ${out.failed} failed.`,
        `From groups: ${inn.pending} waiting, ${inn.delivered} shown, ${inn.failed} failed.`,
      ].join('\n'),
    );
  },
};

export const groups: Command = {
  name: 'groups',
  args: [],
  help: 'List the bridged groups and the rooms they are linked to.',
  requiresPortal: false,
  async run({ services: s }) {
    const portals = await s.stores.portals.list();
    if (portals.length === 0) return ok('No groups yet. `create NAME` makes one; `voucher NAME` joins one.');
    return ok(
      portals
        .map((p) => `${p.groupId} "${p.name}" (${p.joinPolicy}): ${[...p.rooms].map(([f, r]) => `${f} ${r}`).join(', ') || 'not linked'}`)
        .join('\n'),
    );
  },
};

/** A group id from a name: lower-case letters, digits and dashes, made unique with a suffix. */
export async function newGroupId(s: CommandServices, name: string): Promise<GroupId> {
  const base = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'group';
  for (let n = 1; ; n++) {
    const id = asGroupId(n === 1 ? base : `${base}-${n}`);
    if (!(await s.stores.portals.get(id))) return id;
  }
}

export const create: Command = {
  name: 'create',
  args: [{ name: 'name', rest: true }],
  help: 'Create a new Katzenpost group (the bridge is its first member) with a room on your network where it can make one.',
  requiresPortal: false,
  async run({ args, caller, services: s }) {
    const name = sanitiseName(args['name'] ?? '', '');
    if (name === '') return refuse('Give the group a name with printable characters: `create NAME`.');
    const groupId = await newGroupId(s, name);
    await s.group.createGroup(groupId, BRIDGE_MEMBER_NAME);
    await s.addPortal(groupId, name);
    const fe = s.frontends.get(caller.frontend);
    if (fe && isRoomCreateCapable(fe)) {
      const room = await fe.createRoom({ name, topic: `Katzenpost group ${name}` });
      await s.stores.portals.link(groupId, caller.frontend, room);
      return ok(`Created group ${groupId} "${name}" and its room ${room}.`);
    }
    return ok(`Created group ${groupId} "${name}". This network cannot create rooms for it: \`link ${groupId} ROOM\` links one.`);
  },
};

export const link: Command = {
  name: 'link',
  args: [{ name: 'room' }],
  help: 'Link a group to an existing room on your network.',
  requiresPortal: true,
  async run({ portal, args, caller, services: s }) {
    const p = portal!;
    const room = asFrontendRoomId(args['room']!);
    const taken = await s.stores.portals.byRoom(caller.frontend, room);
    if (taken) return refuse(`${room} is already linked to ${taken.groupId}; \`unlink ${taken.groupId}\` first.`);
    if (p.rooms.has(caller.frontend)) return refuse(`${p.groupId} is already linked to ${p.rooms.get(caller.frontend)} here; \`unlink ${p.groupId}\` first.`);
    await s.stores.portals.link(p.groupId, caller.frontend, room);
    await s.frontends.get(caller.frontend)?.setRoomInfo(room, { name: p.name, topic: `Katzenpost group ${p.name}` });
    return ok(`Linked ${p.groupId} to ${room}.`);
  },
};

export const unlink: Command = {
  name: 'unlink',
  args: [],
  help: "Unlink a group from its room on your network (the group and its members stay).",
  requiresPortal: true,
  async run({ portal, caller, services: s }) {
    const p = portal!;
    const room = p.rooms.get(caller.frontend);
    if (!room || !(await s.stores.portals.unlink(p.groupId, caller.frontend))) return refuse(`${p.groupId} is not linked to a room on this network.`);
    const dropped = await s.stores.inbox.dropRoom(caller.frontend, room);
    return ok(`Unlinked ${p.groupId} from ${room}.${dropped ? ` ${dropped} message${dropped === 1 ? '' : 's'} still waiting for that room will not be shown there.` : ''}`);
  },
};

export const policy: Command = {
  name: 'policy',
  args: [{ name: 'policy' }],
  help: 'Who joins the group through its rooms: `auto` (anyone who speaks or knocks) or `approval` (a join request an admin approves).',
  requiresPortal: true,
  async run({ portal, args, services: s }) {
    const p = portal!;
    const wanted = args['policy'];
    if (wanted !== 'auto' && wanted !== 'approval') return refuse(`The policy is \`auto\` or \`approval\`, not ${JSON.stringify(wanted)}.`);
    if (p.joinPolicy === wanted) return ok(`${p.groupId} already has join policy ${wanted}.`);
    await s.stores.portals.setJoinPolicy(p.groupId, wanted);
    return ok(`${p.groupId} now has join policy ${wanted}${wanted === 'auto' ? '' : ': newcomers wait for an admin to `approve` them'}.`);
  },
};
