import { sha256 } from '@noble/hashes/sha2.js';
import { MEMBERSHIP_HASH_BYTES, READ_CAP_BYTES, ROOT_KEY_BYTES, WRITE_CAP_BYTES } from './constants.js';

/**
 * The membership hash (wire §1.8). We send the canonical v1 hash, as the newer katzenqt does:
 *   SHA-256("KP:membership:v1" || concat(sort_bytewise(unique(read_cap[0:32] of every member))))
 * with self's root key taken from write_cap[32:64]. Only the root key counts, so a joiner's
 * unmutated cap, its salt-mutated cap and any later starting index are one member.
 * On receive the hash is advisory: a mismatch is reported, never a reason to drop (§2).
 */

const V1_DOMAIN = new TextEncoder().encode('KP:membership:v1');

/** katzenqt main's placeholder on TEXT and headless FILE_UPLOAD: ASCII "TODO" x 8. */
export const MEMBERSHIP_HASH_TODO: Uint8Array = new TextEncoder().encode('TODO'.repeat(8));
/** What tally messages carry: 32 zero bytes. */
export const MEMBERSHIP_HASH_ZERO: Uint8Array = new Uint8Array(MEMBERSHIP_HASH_BYTES);

export interface MembershipInput {
  /** Our own write cap for the group (168 bytes); its [32:64] is our root key. */
  readonly selfWriteCap?: Uint8Array;
  /** Read caps (136 bytes) of the other current members: no temp-stream helpers, no inactive peers. */
  readonly memberReadCaps: readonly Uint8Array[];
}

/** The member key: the stream's Ed25519 root public key, read_cap[0:32] (wire §1.1). */
export function rootKeyOfReadCap(readCap: Uint8Array): Uint8Array {
  if (!(readCap instanceof Uint8Array)) throw new TypeError('readCap: expected Uint8Array');
  if (readCap.length !== READ_CAP_BYTES) throw new RangeError(`readCap: expected ${READ_CAP_BYTES} bytes, got ${readCap.length}`);
  return readCap.subarray(0, ROOT_KEY_BYTES);
}

/** write_cap[32:168] is the read cap (wire §1.2), so the root key is write_cap[32:64]. */
export function rootKeyOfWriteCap(writeCap: Uint8Array): Uint8Array {
  if (!(writeCap instanceof Uint8Array)) throw new TypeError('writeCap: expected Uint8Array');
  if (writeCap.length !== WRITE_CAP_BYTES) throw new RangeError(`writeCap: expected ${WRITE_CAP_BYTES} bytes, got ${writeCap.length}`);
  return writeCap.subarray(32, 32 + ROOT_KEY_BYTES);
}

export function membershipHashV1(input: MembershipInput): Uint8Array {
  if (!Array.isArray(input.memberReadCaps)) throw new TypeError('memberReadCaps: expected an array');
  const keys = input.memberReadCaps.map(rootKeyOfReadCap);
  if (input.selfWriteCap !== undefined) keys.push(rootKeyOfWriteCap(input.selfWriteCap));
  keys.sort(compareBytes);
  const h = sha256.create().update(V1_DOMAIN);
  let previous: Uint8Array | undefined;
  for (const key of keys) {
    if (previous && compareBytes(previous, key) === 0) continue;
    h.update(key);
    previous = key;
  }
  return h.digest();
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/**
 * How a received membership_hash compares with ours:
 *  - 'sentinel': "TODO"x8 or 32 zero bytes, which the newer katzenqt accepts without comparing;
 *  - 'match' / 'mismatch' against the expected v1 hash (a mismatch is reported, not dropped);
 *  - 'unchecked': no expected hash given.
 */
export type MembershipCheck = 'match' | 'mismatch' | 'sentinel' | 'unchecked';

export function checkMembershipHash(received: Uint8Array, expected?: Uint8Array): MembershipCheck {
  if (equalBytes(received, MEMBERSHIP_HASH_TODO) || equalBytes(received, MEMBERSHIP_HASH_ZERO)) return 'sentinel';
  if (expected === undefined) return 'unchecked';
  return equalBytes(received, expected) ? 'match' : 'mismatch';
}
