import { sanitiseName } from '../display-names.js';
import { ok, refuse, type Command } from './command.js';
import { BRIDGE_MEMBER_NAME, newGroupId } from './portal-commands.js';

/**
 * induct and voucher (DESIGN.md §3; wire §1.10 contact vouchers). A voucher is a bearer secret:
 * it is never logged or echoed in an error; the one minted by `voucher` goes back as a private
 * reply, for the admin to hand to a member of the other group.
 */

// wire §1.10 step 3: a voucher is 32 bytes as standard padded base64 (44 characters).
const VOUCHER = /^[A-Za-z0-9+/]{43}=$/;

export const induct: Command = {
  name: 'induct',
  args: [{ name: 'voucher' }],
  help: "Read a would-be member's voucher; their join request then appears in `pending`.",
  requiresPortal: true,
  async run({ portal, args, services: s }) {
    const v = args['voucher']!.trim();
    if (!VOUCHER.test(v)) return refuse('That is not a voucher: a voucher is 44 characters of base64 ending in "=". Ask the would-be member to copy it again.');
    await s.group.requestInduction(portal!.groupId, v);
    return ok(`Reading the voucher for ${portal!.groupId}; the join request will appear in \`pending\` once it arrives.`);
  },
};

export const voucher: Command = {
  name: 'voucher',
  args: [{ name: 'name', rest: true }],
  help: 'Have the bridge join an existing Katzenpost group: gives you a voucher for one of its members to induct.',
  requiresPortal: false,
  async run({ args, services: s }) {
    const name = sanitiseName(args['name'] ?? '', '');
    if (name === '') return refuse('Give the group a local name: `voucher NAME`.');
    const groupId = await newGroupId(s, name);
    const text = await s.group.mintVoucher(groupId, BRIDGE_MEMBER_NAME);
    await s.addPortal(groupId, name);
    return ok(`Ask a member of the group to induct this voucher (keep it private): ${text}\nThe bridge joins ${groupId} once they approve; \`link ${groupId} ROOM\` meanwhile.`, true);
  },
};
