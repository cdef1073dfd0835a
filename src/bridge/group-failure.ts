import { PigeonholeError } from '../groupchat/index.js';
import { DeliveryError } from './message-status.js';

/**
 * What a failed write to the group means for the message (STYLE.md §5 "Commands and delivery",
 * DESIGN.md §4 "Failures are shown where the message was sent"). The engine rejects with the
 * daemon's PigeonholeError unchanged; whether it is final is the protocol's code table
 * (katzenpost/protocol/error-codes.ts, carried as PigeonholeError.retriable). A final one
 * becomes a DeliveryError that the outbound queue reports once, next to the message, before it
 * moves on; anything else (daemon offline, timeouts, our own bugs) is left as it is and retried.
 *
 * The user line is for the people in the room: what happened and what to do, never the daemon's
 * detail, a cap or an index. The internal message (op, verdict, code) goes to the logs.
 */

/** Final verdicts people can act on, by PigeonholeError.kind; the rest share FINAL_OTHER. */
const FINAL_LINES: Readonly<Record<string, string>> = {
  // Write-once boxes (thin-client §3.3): our box was refused because different data is already
  // there, so another writer holds this user's write cap. A second copy of the bridge, say.
  box_already_exists:
    'someone else has already written to your Katzenpost stream in this group, in the place this message was to go (perhaps a second copy of this bridge, restored from a backup, is running); please tell an admin',
  tombstone: 'the place in your Katzenpost stream where this message was to go has been deleted; please tell an admin',
  payload_too_large: 'it is too large for a Katzenpost message',
};

const FINAL_OTHER = 'the Katzenpost network refused it for good; please tell an admin';

/** How deep a wrapped cause is looked for (an error wrapping an error wrapping the daemon's). */
const MAX_CAUSE_DEPTH = 4;

/** The DeliveryError for a final daemon verdict found in `e` (or its causes); otherwise `e`
 *  itself, which the queue treats as a temporary failure. */
export function groupSendFailure(e: unknown): unknown {
  if (e instanceof DeliveryError) return e;
  const p = pigeonholeErrorIn(e);
  if (!p || p.retriable) return e;
  return new DeliveryError('group_rejected', {
    retriable: false,
    userLine: FINAL_LINES[p.kind] ?? FINAL_OTHER,
    // PigeonholeError messages hold the op, the verdict's name and the code: never a cap.
    detail: `${p.kind}: ${p.message}`,
    cause: e,
  });
}

function pigeonholeErrorIn(e: unknown): PigeonholeError | undefined {
  let cur = e;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && cur instanceof Error; depth++) {
    if (cur instanceof PigeonholeError) return cur;
    cur = cur.cause;
  }
  return undefined;
}
