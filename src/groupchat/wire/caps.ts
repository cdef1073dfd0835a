import { BacapError, ReadCap } from '../../bacap/index.js';
import { READ_CAP_BYTES } from './constants.js';
import { WireError } from './errors.js';

/**
 * How a read cap found on the wire is checked (an introduction, a WhoReply entry, an 'I' pointer):
 *  - 'strict' (default): the length (136, wire §1.2) and the root key must be an Ed25519 point
 *    (bacap.md §5.2, newer upstream rejects off-curve keys at parse time). A cap that fails here
 *    could never be read, so we refuse it where it arrives rather than stall later.
 *  - 'length': only the length, exactly what katzenqt's model checks (`Len(136,136)`). The shared
 *    vectors use fake caps `cap(k)` whose first 32 bytes are often not curve points, so the
 *    vector tests run in this mode; it is also the mode for reproducing katzenqt's decisions.
 */
export type CapCheck = 'strict' | 'length';
export const DEFAULT_CAP_CHECK: CapCheck = 'strict';

/** Throws WireError('invalid_cap', path) unless `cap` is a usable read cap; returns it. The only
 *  place the wire layer judges a cap, so the BACAP layer's parser is used in exactly one spot. */
export function checkReadCap(cap: Uint8Array, path: string, mode: CapCheck): Uint8Array {
  if (cap.length !== READ_CAP_BYTES) {
    throw new WireError('invalid_cap', path, `expected ${READ_CAP_BYTES} bytes, got ${cap.length}`);
  }
  if (mode === 'strict') strictReadCap(cap, path);
  return cap;
}

/** The BACAP layer's parser decides (bacap.md §5.2: length, and the root key must decode). */
function strictReadCap(cap: Uint8Array, path: string): void {
  try {
    ReadCap.fromBytes(cap);
  } catch (e) {
    if (e instanceof BacapError) throw new WireError('invalid_cap', path, `not a usable read cap (${e.code})`, { cause: e });
    throw e;
  }
}
