// The courier's side of Pigeonhole (courier/server/plugin.go; thin-client §3.3, §3.8): a cache of
// replica verdicts by envelope hash (so a retransmitted write learns the real outcome), and the
// copy command: dedup by write-cap hash, read the temporary stream, apply its envelopes in order
// (strict, stop at the first refusal, no rollback), then tombstone the temporary boxes.
import { PIGEONHOLE_CONTEXT, ReadPosition, type WriteCap, tombstoneFor } from '../../bacap/index.js';
import { unpadPlaintext } from './boxes.js';
import type { BoxStore, CopyResult } from './box-store.js';
import { ReplicaCode, ThinCode } from './codes.js';
import { FLAG_FINAL, parseElement, splitEnvelopes } from './copy-stream.js';
import { MAX_COPY_ENVELOPES } from './copy-builder.js';
import type { EnvelopeCodec, EnvelopeBody } from './envelope.js';
import { sleep } from './mixnet.js';
import type { EmulatorOptions } from './options.js';
import type { Replicas } from './replica.js';

/** §3.4: the courier keeps replica replies by envelope hash for 5 minutes. */
const VERDICT_CACHE_MS = 5 * 60_000;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class CourierService {
  private readonly verdicts = new Map<string, { at: number; verdict: Promise<number>; settled?: number }>();
  private readonly running = new Map<string, Promise<CopyResult>>();
  private lastSweep = 0;

  constructor(
    private readonly store: BoxStore,
    private readonly replicas: Replicas,
    private readonly envelopes: EnvelopeCodec,
    private readonly options: Pick<EmulatorOptions, 'clock' | 'copyReadTimeoutMs' | 'copyDedupMs'>,
  ) {}

  /**
   * Hands a write to the replicas once per envelope hash. `cached` is the verdict of an earlier
   * identical envelope if the replicas have already answered (§3.3's retransmission case).
   */
  write(envelopeHash: Uint8Array, body: Extract<EnvelopeBody, { kind: 'write' }>): { verdict: Promise<number>; cached: number | undefined } {
    const now = this.options.clock.now();
    // Expired entries are swept at most once a minute, so a busy courier is not O(n) per write.
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      for (const [k, v] of this.verdicts) if (now - v.at > VERDICT_CACHE_MS) this.verdicts.delete(k);
    }
    const key = hex(envelopeHash);
    const have = this.verdicts.get(key);
    if (have && now - have.at <= VERDICT_CACHE_MS) return { verdict: have.verdict, cached: have.settled };
    const entry: { at: number; verdict: Promise<number>; settled?: number } = { at: now, verdict: this.replicas.write(body) };
    entry.verdict.then((v) => (entry.settled = v), () => undefined);
    this.verdicts.set(key, entry);
    return { verdict: entry.verdict, cached: undefined };
  }

  /** Runs (or joins, or recalls) the copy for this temporary stream (§3.8 dedup). */
  copy(cap: WriteCap, writeCapHash: Uint8Array): Promise<CopyResult> {
    const key = hex(writeCapHash);
    const running = this.running.get(key);
    if (running) return running;
    const done = this.store.copyResult(writeCapHash);
    if (done && this.options.clock.now() - done.finishedAt < this.options.copyDedupMs) return Promise.resolve(done);
    const p = this.runCopy(cap).then(async (r) => {
      const result = { ...r, finishedAt: this.options.clock.now() };
      await this.store.putCopyResult(writeCapHash, result).catch(() => undefined);
      this.running.delete(key);
      return result;
    });
    this.running.set(key, p);
    return p;
  }

  private async readBox(position: ReadPosition): Promise<ReturnType<Replicas['read']>> {
    const deadline = Date.now() + this.options.copyReadTimeoutMs;
    for (;;) {
      const box = this.replicas.read(position.boxId);
      if (box || Date.now() >= deadline) return box;
      const ac = new AbortController();
      const wait = this.replicas.waitForWrite(position.boxId, ac.signal);
      await Promise.race([wait, sleep(Math.max(1, deadline - Date.now()))]);
      ac.abort();
    }
  }

  private async runCopy(cap: WriteCap): Promise<Omit<CopyResult, 'finishedAt'>> {
    const fail = (replicaErrorCode: number, failedEnvelopeIndex: number) => ({ errorCode: ThinCode.CopyCommandFailed, replicaErrorCode, failedEnvelopeIndex });
    const readCap = cap.readCap();
    let index = cap.firstIndex;
    const temporary = [index];
    const parts: Uint8Array[] = [];
    for (let n = 0; ; n++) {
      if (n >= MAX_COPY_ENVELOPES) return fail(ReplicaCode.InvalidPayload, 0);
      const position = ReadPosition.derive(readCap, index, PIGEONHOLE_CONTEXT);
      const box = await this.readBox(position);
      // Not found after the retries: a transport-level failure, reported with the replica code.
      if (!box) return fail(ReplicaCode.BoxIDNotFound, 0);
      let element;
      try {
        const opened = position.open(box.boxId, box.ciphertext, box.signature);
        // §3.8: after a successful copy the temporary stream is tombstoned, so a re-run after the
        // dedup entry expired fails with replica code 11 at envelope 1.
        if (opened.kind === 'tombstone') return fail(ReplicaCode.Tombstone, 1);
        const plain = unpadPlaintext(opened.plaintext);
        element = plain ? parseElement(plain) : 'malformed-element';
      } catch {
        return fail(ReplicaCode.InvalidSignature, 0);
      }
      if (typeof element === 'string') return fail(ReplicaCode.InvalidPayload, 0);
      parts.push(element.data);
      if (element.flags & FLAG_FINAL) break;
      index = index.next();
      temporary.push(index);
    }
    const stream = Buffer.concat(parts);
    const envelopes = splitEnvelopes(new Uint8Array(stream.buffer, stream.byteOffset, stream.byteLength));
    if (typeof envelopes === 'string') return fail(ReplicaCode.InvalidPayload, 0);
    for (let k = 0; k < envelopes.length; k++) {
      const opened = this.envelopes.openEnvelope(envelopes[k]!, this.replicas.replicaEpoch());
      if (opened === 'stale-epoch') return fail(ReplicaCode.InvalidEpoch, k + 1);
      if (opened === 'malformed' || opened.body.kind !== 'write') return fail(ReplicaCode.InvalidPayload, k + 1);
      // Writes inside a copy are strict (§3.8): a conflict is reported, envelopes before it stay.
      const code = await this.replicas.write(opened.body);
      if (code !== ReplicaCode.Success) return fail(code, k + 1);
    }
    // Best effort and asynchronous, after success only (§3.8, §7).
    void Promise.all(temporary.map((i) => this.replicas.write(tombstoneFor(cap, i, PIGEONHOLE_CONTEXT)))).catch(() => undefined);
    return { errorCode: 0, replicaErrorCode: 0, failedEnvelopeIndex: 0 };
  }
}
