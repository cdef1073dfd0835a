import { MsgType, encodeGroupChatMessage, planBoxes, pointerBox, type BridgeExtensions, type FileUpload, type GroupChatMessage, type PleaseAdd } from './wire/index.js';
import type { GroupState } from './group-state.js';
import type { PigeonholePort } from './pigeonhole-port.js';
import type { RequestBudget } from './request-budget.js';
import { counterOf } from './types.js';

/**
 * Sending one message to our own stream (wire §1.4, katzenqt SendOperation):
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

export class GroupSender {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: GroupState,
    private readonly port: PigeonholePort,
    private readonly budget: RequestBudget,
  ) {}

  /** Queues a message behind earlier sends of this group; resolves once it reached a courier.
   *  Must not be awaited from inside an event handler (it waits for the group's state queue). */
  send(msg: OutgoingMessage): Promise<SendResult> {
    const run = this.tail.then(() => this.sendNow(msg));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** After a restart: rewrites a box that was being written when we stopped (same bytes, same
   *  index: idempotent), so the stream never has a gap or a silently dropped box. */
  resumePending(): Promise<void> {
    const run = this.tail.then(async () => {
      const pending = this.state.record.pendingOwnBox;
      if (pending) await this.writeOwn(pending);
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

  private async sendNow(msg: OutgoingMessage): Promise<SendResult> {
    if (this.state.record.status !== 'member') throw new RangeError(`group ${this.state.id}: not a member yet (joining)`);
    // An earlier box that failed may still land (a cancelled write is not undone, thin-client
    // §3.7): finish it with the same bytes before anything else takes its index.
    const pending = this.state.record.pendingOwnBox;
    if (pending) await this.writeOwn(pending);
    const cbor = encodeGroupChatMessage(this.build(msg));
    const plan = planBoxes(cbor, { boxPayloadBytes: this.port.maxPlaintextBytes() });
    if (plan.layout === 'single') {
      return { counter: await this.writeOwn(plan.ownBox), boxes: 1 };
    }
    const temp = await this.port.newStream();
    let index = temp.firstIndex;
    for (const box of plan.tempBoxes) {
      const { nextIndex } = await this.budget.with(() => this.port.writeBox(temp.writeCap, index, box));
      index = nextIndex;
    }
    // Only now the pointer: a reader never follows it to a temp box that is not there (§1.4).
    const counter = await this.writeOwn(pointerBox(temp.readCap));
    return { counter, boxes: plan.tempBoxes.length + 1 };
  }

  /** Writes one box at our next index: recorded first (pendingOwnBox), then written, then the
   *  index advanced. Returns the counter it was written at. */
  private async writeOwn(box: Uint8Array): Promise<string> {
    const { state } = this;
    await state.serial(() => state.updateGroup({ ...state.record, pendingOwnBox: box }));
    const at = state.record.nextWriteIndex;
    const { nextIndex } = await this.budget.with(() => this.port.writeBox(state.record.writeCap, at, box));
    await state.serial(async () => {
      const { pendingOwnBox: _done, ...rest } = state.record;
      await state.updateGroup({ ...rest, nextWriteIndex: nextIndex });
    });
    return counterOf(at).toString();
  }
}
