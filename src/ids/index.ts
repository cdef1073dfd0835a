// Branded identifier types (STYLE.md §3, after mautrix bridgev2 networkid/bridgeid.go). IDs are
// stored in sqlite, so their text formats are a storage format: extend, never repurpose.
// Each type says within what it is unique; constructors check shape, never contents' meaning.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly __brand: B; readonly [brand]?: B };

/** Our local name for a Katzenpost group (the wire carries none, DESIGN.md §3). Unique within one
 *  bridge's store. Same text as the group chat engine's GroupId. */
export type GroupId = Brand<string, 'GroupId'>;
/** A portal: one group <-> one room per frontend (DESIGN.md §4). A group has at most one portal,
 *  so the text is the GroupId's; unique within one bridge. */
export type PortalId = Brand<string, 'PortalId'>;
/** A group member: lowercase hex of its stream's 32-byte root key (wire §1.1). Unique within a
 *  group. A member writes exactly one stream, so it also names that stream. */
export type MemberId = Brand<string, 'MemberId'>;
/** A member's stream; same text as its MemberId (one stream per member, wire §1.1). */
export type StreamId = MemberId;
/** A box counter on one stream, as a decimal u64. Unique within a stream; (StreamId, BoxCounter)
 *  is unique within a group and is the inbound dedup key (wire §1.13). */
export type BoxCounter = Brand<string, 'BoxCounter'>;
/** Which frontend (e.g. one per chat network). Unique within one bridge process and stable across
 *  restarts: it keys stored rows. Lower-case letters, digits, ':', '-', '_'. */
export type FrontendId = Brand<string, 'FrontendId'>;
/** A user as the frontend names them. Unique within its frontend. */
export type FrontendUserId = Brand<string, 'FrontendUserId'>;
/** A room or channel as the frontend names it. Unique within its frontend. */
export type FrontendRoomId = Brand<string, 'FrontendRoomId'>;
/** A message or event as the frontend names it. Unique within its frontend (the outbound dedup
 *  key together with the FrontendId). */
export type FrontendEventId = Brand<string, 'FrontendEventId'>;
/** A Katzenpost member shown on a frontend: deterministic from (group, member), lower-case
 *  [a-z0-9_], so frontends can use it in user names. Unique within one bridge. */
export type GhostId = Brand<string, 'GhostId'>;
/** A join request as admins type it (`approve 7`): a positive integer, unique within one bridge,
 *  never reused. */
export type JoinRequestId = Brand<number, 'JoinRequestId'>;
/** The idempotency key of one delivery to a frontend: the same message always gets the same one,
 *  across restarts. Unique within one bridge. */
export type TransactionId = Brand<string, 'TransactionId'>;

const MAX_ID_CHARS = 255;

function text<T extends string>(what: string, s: unknown, pattern?: RegExp): T {
  if (typeof s !== 'string') throw new TypeError(`${what}: expected a string`);
  if (s.length === 0 || s.length > MAX_ID_CHARS) throw new RangeError(`${what}: expected 1..${MAX_ID_CHARS} characters, got ${s.length}`);
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new RangeError(`${what}: control characters are not allowed`);
  if (pattern && !pattern.test(s)) throw new RangeError(`${what}: does not match ${pattern.source}`);
  return s as T;
}

export const asGroupId = (s: string): GroupId => text('GroupId', s, /^[A-Za-z0-9._-]+$/);
export const portalIdOf = (g: GroupId): PortalId => g as string as PortalId;
export const asMemberId = (s: string): MemberId => text('MemberId', s, /^[0-9a-f]{64}$/);
export const asBoxCounter = (s: string): BoxCounter => text('BoxCounter', s, /^(0|[1-9][0-9]{0,19})$/);
export const asFrontendId = (s: string): FrontendId => text('FrontendId', s, /^[a-z0-9][a-z0-9:_-]{0,63}$/);
export const asFrontendUserId = (s: string): FrontendUserId => text('FrontendUserId', s);
export const asFrontendRoomId = (s: string): FrontendRoomId => text('FrontendRoomId', s);
export const asFrontendEventId = (s: string): FrontendEventId => text('FrontendEventId', s);
export const asGhostId = (s: string): GhostId => text('GhostId', s, /^[a-z0-9_]{1,64}$/);
export const asTransactionId = (s: string): TransactionId => text('TransactionId', s, /^[A-Za-z0-9._-]+$/);

export function asJoinRequestId(n: number): JoinRequestId {
  if (typeof n !== 'number') throw new TypeError('JoinRequestId: expected a number');
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('JoinRequestId: expected a positive integer');
  return n as JoinRequestId;
}
