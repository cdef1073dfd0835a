// The storage rules of Pigeonhole replicas (replica/state.go; thin-client §3.3–3.5) over the box
// store: signatures verified against the box ID, write-once with idempotent identical rewrites,
// tombstones that always overwrite, storage buckets by replica epoch, a TTL.
import { BOX_ID_BYTES, SIGNATURE_BYTES, verifyBox } from '../../bacap/index.js';
import type { BoxStore, StoredBox } from './box-store.js';
import { ReplicaCode } from './codes.js';
import { epochAt } from './epochs.js';
import type { EmulatorOptions } from './options.js';

export type ReplicaWriteCode = (typeof ReplicaCode)[keyof typeof ReplicaCode];

export interface BoxWrite {
  readonly boxId: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class Replicas {
  constructor(
    private readonly store: BoxStore,
    private readonly options: Pick<EmulatorOptions, 'clock' | 'replicaEpochMs' | 'boxTtlMs' | 'maxBoxes'>,
  ) {}

  replicaEpoch(): number {
    return epochAt(this.options.clock.now(), this.options.replicaEpochMs);
  }

  /** A box as a reader sees it: undefined when never written, expired or in a dropped bucket. */
  read(boxId: Uint8Array): StoredBox | undefined {
    const box = this.store.get(boxId);
    if (!box) return undefined;
    // §3.5: reads look in the current and the previous replica epoch; older buckets are gone.
    if (box.replicaEpoch < this.replicaEpoch() - 1) return undefined;
    if (this.options.clock.now() - box.writtenAt >= this.options.boxTtlMs) return undefined;
    return box;
  }

  /**
   * Applies one write and returns the replica's verdict. The verdict is decided synchronously
   * (so two racing writes to one box cannot both win); the returned promise settles once the
   * box is durable.
   */
  async write(w: BoxWrite): Promise<ReplicaWriteCode> {
    if (w.boxId.length !== BOX_ID_BYTES) return ReplicaCode.InvalidBoxID;
    if (w.signature.length !== SIGNATURE_BYTES || !verifyBox(w.boxId, w.ciphertext, w.signature)) return ReplicaCode.InvalidSignature;
    const existing = this.read(w.boxId);
    const isTombstone = w.ciphertext.length === 0;
    if (existing && !isTombstone) {
      // Write-once; a byte-identical rewrite is idempotent success (§3.3).
      if (sameBytes(existing.ciphertext, w.ciphertext) && sameBytes(existing.signature, w.signature)) return ReplicaCode.Success;
      return ReplicaCode.BoxAlreadyExists;
    }
    // StorageFull refuses writes but never tombstones (§2.10).
    if (!isTombstone && this.options.maxBoxes > 0 && this.store.size >= this.options.maxBoxes) return ReplicaCode.StorageFull;
    try {
      await this.store.put({ ...w, replicaEpoch: this.replicaEpoch(), writtenAt: this.options.clock.now() });
    } catch {
      return ReplicaCode.DatabaseFailure;
    }
    return ReplicaCode.Success;
  }

  /** Resolves when the box is next written (for long-poll reads); `abort` stops waiting. */
  waitForWrite(boxId: Uint8Array, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const off = this.store.onNextWrite(boxId, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        off();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
