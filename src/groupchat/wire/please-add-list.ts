import { decodeCborFirst, encodeCbor, type CborEncodable } from './cbor.js';
import { DEFAULT_CAP_CHECK, type CapCheck } from './caps.js';
import { WireError, at } from './errors.js';
import { required, textKeyMap, kindOf } from './fields.js';
import { decodePleaseAdd, encodePleaseAdd } from './message.js';
import type { PleaseAdd } from './message-types.js';

/**
 * The please_add_list, katzenqt's WhoReply (group-chat-wire.md §1.6, §1.10 step 5): a top-level
 * CBOR map that travels only inside the sealed voucher reply, never framed, never on a chat
 * stream. We send only `please_adds` with no null entries, the form every katzenqt version reads
 * ([N]'s null slots and roster keys break [S] readers, §3.2 item 24).
 *
 * On receive we differ from katzenqt on purpose: one bad entry (a 31-character name, a short cap)
 * makes katzenqt fail the whole join (§3.2 item 16); we keep the good entries and report the bad
 * ones, because by then the inductor has already added us and a partial member list beats none.
 * [N]'s extra keys (roster_size, rosters, seen, introductions, unsettled) are ignored; its null
 * entries (removed members' slots) are reported as such.
 */

export interface PleaseAddListEntryError {
  readonly index: number;
  readonly error: WireError;
}

export interface DecodedPleaseAddList {
  /** Valid entries, in wire order (the inductor first, wire §1.6). */
  readonly members: readonly PleaseAdd[];
  /** Indexes of null entries ([N]: a removed member's slot). */
  readonly removedSlots: readonly number[];
  readonly rejected: readonly PleaseAddListEntryError[];
}

export function encodePleaseAddList(members: readonly PleaseAdd[], options: { capCheck?: CapCheck } = {}): Uint8Array {
  if (!Array.isArray(members)) throw new TypeError('members: expected an array');
  const capCheck = options.capCheck ?? DEFAULT_CAP_CHECK;
  const entries: CborEncodable[] = members.map((p, i) => encodePleaseAdd(p, at('please_adds', i), capCheck));
  return encodeCbor(new Map<string, CborEncodable>([['please_adds', entries]]));
}

/** Throws WireError only when the reply as a whole is unusable (not a map, no please_adds array). */
export function decodePleaseAddList(cbor: Uint8Array, options: { capCheck?: CapCheck } = {}): DecodedPleaseAddList {
  if (!(cbor instanceof Uint8Array)) throw new TypeError('cbor: expected Uint8Array');
  const capCheck = options.capCheck ?? DEFAULT_CAP_CHECK;
  const map = textKeyMap(decodeCborFirst(cbor).value, '');
  const list = required(map, 'please_adds', '');
  if (!Array.isArray(list)) throw new WireError('wrong_type', 'please_adds', `expected an array, got ${kindOf(list)}`);
  const members: PleaseAdd[] = [];
  const removedSlots: number[] = [];
  const rejected: PleaseAddListEntryError[] = [];
  list.forEach((entry, index) => {
    if (entry === null) {
      removedSlots.push(index);
      return;
    }
    try {
      members.push(decodePleaseAdd(entry, at('please_adds', index), capCheck));
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      rejected.push({ index, error: e });
    }
  });
  return { members, removedSlots, rejected };
}
