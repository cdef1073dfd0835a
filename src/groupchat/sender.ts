import { MsgType, encodeGroupChatMessage, planBoxes, pointerBox, type BridgeExtensions, type FileUpload, type GroupChatMessage, type PleaseAdd } from './wire/index.js';
import type { GroupState } from './group-state.js';
import type { StreamWriterState } from './types.js';
import { PigeonholeError, type PigeonholePort } from './pigeonhole-port.js';
import type { RequestBudget } from './request-budget.js';
import { counterOf } from './types.js';

/**
 * Sending one message to a stream we write (wire §1.4, katzenqt SendOperation): our own member
 * stream, or a puppet stream we write for a bridged user (engine.ts). Per message:
 *  - CBOR of at most chunk-1 bytes: one 'F' box at our next index;
 *  - larger: a fresh temp stream (new_keypair) gets 'C'... 'F' from its first index; once every
 *    temp box is ACKed, one 'I' box with the temp read cap (136-byte form, which every katzenqt
 *    reads) goes to our next index.
 * One message per chain, always (§1.4: receivers decode only the first item). Writes to our own
 * stream are one at a time per group (katzenqt keeps at most one in flight per stream); callers
 * queue through `GroupSender.send`.
 */

export type OutgoingMessage =
  | { readonly kind: 'text'; readonly text: string; readonly bridge?: BridgeExtensions }
  | { readonly kind: 'file'; readonly file: FileUpload }
  | { readonly kind: 'introduction'; readonly introduction: PleaseAdd };

export interface SendResult {
  /** Counter of the own-stream box that carries the message ('F' or 'I'): its (stream, index) id. */
  readonly counter: string;
  /** Boxes written in all (temp boxes + the own box). */
  readonly boxes: number;
}

/** Where a stream's writer state is kept: the group record for our own stream, the member
 *  record for a puppet's. `put` is durable when it resolves. */
export interface WriterSlot {
  get(): StreamWriterState;
  put(next: StreamWriterState): Promise<void>;
}

/** Our own stream's slot: GroupRecord.writeCap / nextWriteIndex / pendingOwnBox. */
export function ownStreamSlot(state: GroupState): WriterSlot {
  return {
    get: () => {
      const r = state.record;
      return { writeCap: r.writeCap, nextWriteIndex: r.nextWriteIndex, ...(r.pendingOwnBox ? { pendingBox: r.pendingOwnBox } : {}) };
    },
    put: (next) =>
      state.serial(async () => {
        const { pendingOwnBox: _old, ...rest } = state.record;
        await state.updateGroup({ ...rest, nextWriteIndex: next.nextWriteIndex, ...(next.pendingBox ? { pendingOwnBox: next.pendingBox } : {}) });
      }),
  };
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => a !== undefined && b !== undefined && Buffer.compare(a, b) === 0;

export class GroupSender {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: GroupState,
    private readonly slot: WriterSlot,
    private readonly port: PigeonholePort,
    private readonly budget: RequestBudget,
  ) {}

  /** Queues a message behind earlier sends to this stream; resolves once it reached a courier.
   *  With `msgId`, a resend of the message last written (or left pending) with that id returns
   *  its counter instead of writing it again. Must not be awaited from inside an event handler
   *  (it waits for the group's state queue). */
  send(msg: OutgoingMessage, msgId?: Uint8Array): Promise<SendResult> {
    // Our own copy, and a plain Uint8Array (a Buffer would be stored as whatever its toJSON gives).
    const id = msgId ? Uint8Array.from(msgId) : undefined;
    const run = this.tail.then(() => this.sendNow(msg, id));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** After a restart: rewrites a box that was being written when we stopped (same bytes, same
   *  index: idempotent), so the stream never has a gap or a silently dropped box. */
  resumePending(): Promise<void> {
    const run = this.tail.then(async () => {
      const w = this.slot.get();
      if (w.pendingBox) await this.writeBox(w.pendingBox, w.pendingMsgId);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private build(msg: OutgoingMessage): GroupChatMessage {
    const membershipHash = this.state.membershipHash();
    switch (msg.kind) {
      case 'text':
        return { version: 0, membershipHash, msgType: MsgType.TEXT, text: msg.text, ...(msg.bridge ? { bridge: msg.bridge } : {}) };
      case 'file':
        return { version: 0, membershipHash, msgType: MsgType.FILE_UPLOAD, fileUpload: msg.file };
      case 'introduction':
        return { version: 0, membershipHash, msgType: MsgType.INTRODUCTION, introduction: msg.introduction };
    }
  }

  private async sendNow(msg: OutgoingMessage, msgId: Uint8Array | undefined): Promise<SendResult> {
    if (this.state.record.status !== 'member') throw new RangeError(`group ${this.state.id}: not a member yet (joining)`);
    const before = this.slot.get();
    if (msgId && sameBytes(before.lastSent?.msgId, msgId)) return { counter: before.lastSent!.counter, boxes: 0 };
    // An earlier box that failed may still land (a cancelled write is not undone, thin-client
    // §3.7): finish it with the same bytes before anything else takes its index. If it is this
    // very message (a resend after a failure), that is all there is to do.
    if (before.pendingBox) {
      const counter = await this.writeBox(before.pendingBox, before.pendingMsgId);
      if (msgId && sameBytes(before.pendingMsgId, msgId)) return { counter, boxes: 1 };
    }
    const cbor = encodeGroupChatMessage(this.build(msg));
    const plan = planBoxes(cbor, { boxPayloadBytes: this.port.maxPlaintextBytes() });
    if (plan.layout === 'single') {
      return { counter: await this.writeBox(plan.ownBox, msgId), boxes: 1 };
    }
    const temp = await this.port.newStream();
    let index = temp.firstIndex;
    for (const box of plan.tempBoxes) {
      const { nextIndex } = await this.budget.with(() => this.port.writeBox(temp.writeCap, index, box));
      index = nextIndex;
    }
    // Only now the pointer: a reader never follows it to a temp box that is not there (§1.4).
    const counter = await this.writeBox(pointerBox(temp.readCap), msgId);
    return { counter, boxes: plan.tempBoxes.length + 1 };
  }

  /** Writes one box at the stream's next index: recorded first (pendingBox), then written, then
   *  the index advanced. Returns the counter it was written at.
   *  The write is strict (thin-client §3.3): with default flags a box that someone else already
   *  wrote at this index (a second copy of this process, restored from a backup) would report
   *  success and be dropped unseen. An identical rewrite (a resend) still succeeds. A refusal for
   *  good (PigeonholeError.retriable false: box_already_exists, tombstone, payload_too_large, …)
   *  means the box did not land and never will: the pending box is dropped and the index stays,
   *  so the next message is not held behind it and nothing is skipped. */
  private async writeBox(box: Uint8Array, msgId: Uint8Array | undefined): Promise<string> {
    const w = this.slot.get();
    const { pendingBox: _b, pendingMsgId: _m, ...settled } = w;
    await this.slot.put({ ...settled, pendingBox: box, ...(msgId ? { pendingMsgId: msgId } : {}) });
    const at = w.nextWriteIndex;
    let nextIndex: Uint8Array;
    try {
      ({ nextIndex } = await this.budget.with(() => this.port.writeBox(w.writeCap, at, box, { strict: true })));
    } catch (e) {
      if (e instanceof PigeonholeError && !e.retriable) await this.slot.put(settled);
      throw e;
    }
    const counter = counterOf(at).toString();
    await this.slot.put({ ...settled, nextWriteIndex: nextIndex, ...(msgId ? { lastSent: { msgId, counter } } : {}) });
    return counter;
  }
}
