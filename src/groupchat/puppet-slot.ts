import type { GroupState } from './group-state.js';
import type { WriterSlot } from './sender.js';
import type { MemberKey } from './types.js';

/**
 * A puppet stream's writer state lives on its member record (MemberRecord.ownStream). The
 * `introduced` flag is owned by the engine's INTRODUCTION step, so a write never resets it: each
 * put takes the flag from the record as it is when the put runs.
 */
export function puppetSlot(state: GroupState, key: MemberKey): WriterSlot {
  const current = () => {
    const w = state.member(key)?.ownStream;
    if (!w) throw new RangeError(`member: ${key} is not a puppet stream`);
    return w;
  };
  return {
    get: current,
    put: (next) =>
      state.serial(async () => {
        const { introduced } = current();
        const { pendingBox, pendingMsgId, lastSent } = next;
        await state.putOwnStream(key, {
          writeCap: next.writeCap,
          nextWriteIndex: next.nextWriteIndex,
          introduced,
          ...(pendingBox ? { pendingBox } : {}),
          ...(pendingMsgId ? { pendingMsgId } : {}),
          ...(lastSent ? { lastSent } : {}),
        });
      }),
  };
}
