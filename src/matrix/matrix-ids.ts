import type { GhostId, GroupId } from '../ids/index.js';

/**
 * Matrix user ids of ghosts and the bot. A ghost's localpart is `<prefix><group>_<hash>`: the
 * prefix (config homeserver.appservice.user_prefix, `kp_`) puts it in the registration's
 * exclusive `@kp_.*` namespace; the group part lets people see which group a ghost belongs to;
 * the hash part is the core's GhostId hash (bridge/ghost.ts, sha256 of group and member), which
 * alone makes it unique and never shows the member id (issue 6: ghost names never reveal a cap).
 * Ids are stored by the homeserver, so this format must stay stable.
 */

export type MatrixUserId = string & { readonly __brand: 'MatrixUserId' };
export type MatrixRoomId = string & { readonly __brand: 'MatrixRoomId' };

/** Longest group part; Matrix user ids may have 255 bytes in all. */
const GROUP_PART_CHARS = 32;

/** Matrix localparts may hold a-z 0-9 . _ = - / (spec "User identifiers"); group ids may hold
 *  upper case, so the group part is folded, and `_` is kept as the separator. */
function groupPart(groupId: GroupId): string {
  return groupId.toLowerCase().replace(/[^a-z0-9.=-]/g, '-').slice(0, GROUP_PART_CHARS);
}

export interface MatrixNames {
  readonly domain: string;
  readonly userPrefix: string;
  readonly botLocalpart: string;
}

export function ghostLocalpart(names: MatrixNames, groupId: GroupId, ghostId: GhostId): string {
  return `${names.userPrefix}${groupPart(groupId)}_${ghostId.replace(/^kp_/, '')}`;
}

export function ghostUserId(names: MatrixNames, groupId: GroupId, ghostId: GhostId): MatrixUserId {
  return `@${ghostLocalpart(names, groupId, ghostId)}:${names.domain}` as MatrixUserId;
}

export function botUserId(names: MatrixNames): MatrixUserId {
  return `@${names.botLocalpart}:${names.domain}` as MatrixUserId;
}

/** True for users in the bridge's exclusive namespace (its ghosts) and for its bot: their events
 *  are the bridge's own echoes and must never be bridged back. */
export function isBridgeUser(names: MatrixNames, userId: string): boolean {
  if (userId === botUserId(names)) return true;
  return userId.startsWith(`@${names.userPrefix}`) && userId.endsWith(`:${names.domain}`);
}

/** The localpart of a Matrix user id, for a fallback display name. */
export function localpartOf(userId: string): string {
  const m = /^@([^:]+):/.exec(userId);
  return m ? m[1]! : userId;
}
