// The mixnet requests (thin-client §2.4–2.6, §3.3–3.8): start_resending_encrypted_message and
// start_resending_copy_command block until a terminal outcome, paced by the emulated mixnet, and
// their cancels. Replies go to the session, so a completion while the client is away is dropped.
import { MessageBoxIndex, PIGEONHOLE_CONTEXT, ReadPosition } from '../../bacap/index.js';
import { unpadPlaintext } from './boxes.js';
import { ReplicaCode, ThinCode } from './codes.js';
import type { DaemonContext, Reply } from './context.js';
import { blake2b256, parseDescriptor } from './envelope.js';
import { optBool, optBytes, optReadCap, optWriteCap, queryId } from './fields.js';
import { AbortedError, sleep } from './mixnet.js';
import type { Session } from './session.js';
import { encodeFrame } from './wire.js';
import { ECHO_ENDPOINT } from './pki.js';

type Body = Record<string, unknown>;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Called once the request has left the per-connection unsent queue (§1.7). */
export type OnSent = () => void;

function register(session: Session, key: string, queryIdBytes: Uint8Array | undefined, replyCancelled: () => void): AbortController {
  const abort = new AbortController();
  session.inFlight.set(key, { queryId: queryIdBytes ?? new Uint8Array(0), abort, replyCancelled });
  return abort;
}

function unregister(session: Session, key: string, abort: AbortController): void {
  if (session.inFlight.get(key)?.abort === abort) session.inFlight.delete(key);
}

/** Validates synchronously (a reply of 3 needs no network), then runs the ARQ in the background. */
export function startResendingEncrypted(ctx: DaemonContext, session: Session, body: Body, onSent: OnSent): Reply | undefined {
  const key = 'start_resending_encrypted_message_reply';
  const qid = queryId(body);
  const readCap = optReadCap(body, 'read_cap');
  const writeCap = optWriteCap(body, 'write_cap');
  const mbi = optBytes(body, 'message_box_index');
  const descriptor = optBytes(body, 'envelope_descriptor');
  const ciphertext = optBytes(body, 'message_ciphertext');
  const envelopeHash = optBytes(body, 'envelope_hash', 32);
  const noRetry = optBool(body, 'no_retry_on_box_id_not_found');
  const strict = optBool(body, 'no_idempotent_box_already_exists');
  const courier = ctx.courier();
  const courierFields = { courier_identity_hash: courier.identityHash, courier_queue_id: courier.queueId };
  const reply = (code: number, plaintext: Uint8Array | null = null): void =>
    session.send(encodeFrame(key, { query_id: qid ?? null, plaintext, error_code: code, ...courierFields }));
  const invalid =
    !!readCap === !!writeCap || !descriptor?.length || !ciphertext?.length || !envelopeHash || (readCap !== undefined && mbi === undefined);
  if (invalid) return [key, { query_id: qid ?? null, plaintext: null, error_code: ThinCode.InvalidRequest, ...courierFields }];
  const flightKey = hex(envelopeHash);
  const abort = register(session, flightKey, qid, () => reply(ThinCode.StartResendingCancelled));
  const signal = abort.signal;
  const run = async (): Promise<void> => {
    const desc = parseDescriptor(descriptor);
    if (!desc) return reply(ThinCode.InternalError);
    await ctx.mixnet.roundTrip(signal, onSent);
    await ctx.courierReachable(courier, signal);
    const opened = ctx.envelopes.openQuery(ciphertext, ctx.replicas.replicaEpoch());
    if (opened === 'malformed') return reply(ThinCode.CourierInvalidEnvelope);
    if (opened === 'stale-epoch') return reply(ThinCode.CourierInvalidEpoch);
    // The courier's reply is sealed to the descriptor's key: a foreign descriptor cannot open it.
    if (!equal(opened.descriptorKeyHash, desc.keyHash)) return reply(ThinCode.MKEMDecryptionFailed);
    if ((writeCap && opened.body.kind !== 'write') || (readCap && opened.body.kind !== 'read')) return reply(ThinCode.InvalidRequest);
    if (opened.body.kind === 'write') {
      const { verdict, cached } = ctx.courierService.write(envelopeHash, opened.body);
      if (!strict) {
        // §3.3: success on the courier's ACK, unless the replicas already answered this envelope.
        if (cached === undefined || cached === ReplicaCode.BoxAlreadyExists) return reply(0);
        return reply(cached);
      }
      const code = await verdict;
      await ctx.mixnet.roundTrip(signal);
      return reply(code);
    }
    let position: ReadPosition;
    try {
      position = ReadPosition.derive(readCap!, MessageBoxIndex.fromBytes(mbi!), PIGEONHOLE_CONTEXT);
    } catch {
      return reply(ThinCode.BACAPDecryptionFailed);
    }
    for (;;) {
      // Each fetch of the replicas' answer is one more round trip (§3.6).
      await ctx.mixnet.roundTrip(signal);
      await ctx.courierReachable(courier, signal);
      const box = ctx.replicas.read(opened.body.boxId);
      if (box) {
        // §2.4: a wrong message_box_index makes BACAP decryption fail (23).
        if (!equal(position.boxId, opened.body.boxId)) return reply(ThinCode.BACAPDecryptionFailed);
        try {
          const content = position.open(box.boxId, box.ciphertext, box.signature);
          if (content.kind === 'tombstone') return reply(ReplicaCode.Tombstone);
          const plaintext = unpadPlaintext(content.plaintext);
          return plaintext ? reply(0, plaintext) : reply(ThinCode.InternalError);
        } catch {
          return reply(ThinCode.BACAPDecryptionFailed);
        }
      }
      if (noRetry) return reply(ReplicaCode.BoxIDNotFound);
      // Long-poll (§3.4): the next retry finds the box once it is written.
      await ctx.replicas.waitForWrite(opened.body.boxId, signal);
      if (signal.aborted) throw new AbortedError('aborted');
    }
  };
  run()
    .catch((e: unknown) => {
      if (!(e instanceof AbortedError)) reply(ThinCode.InternalError);
    })
    .finally(() => {
      onSent();
      unregister(session, flightKey, abort);
    });
  return undefined;
}

export function startResendingCopy(ctx: DaemonContext, session: Session, body: Body, onSent: OnSent): Reply | undefined {
  const key = 'start_resending_copy_command_reply';
  const qid = queryId(body);
  const cap = optWriteCap(body, 'write_cap');
  // A pin to a courier (both fields) is honoured only if it is the one in consensus.
  const pinned = optBytes(body, 'courier_identity_hash');
  optBytes(body, 'courier_queue_id');
  if (!cap) return [key, { query_id: qid ?? null, error_code: ThinCode.InvalidRequest }];
  const send = (fields: Record<string, unknown>): void => session.send(encodeFrame(key, { query_id: qid ?? null, ...fields }));
  const current = ctx.courier();
  const courier = pinned && !equal(pinned, current.identityHash) ? { ...current, identityHash: pinned } : current;
  const capHash = blake2b256(cap.toBytes());
  const flightKey = hex(capHash);
  const abort = register(session, flightKey, qid, () => send({ error_code: ThinCode.StartResendingCancelled }));
  const signal = abort.signal;
  const run = async (): Promise<void> => {
    await ctx.mixnet.roundTrip(signal, onSent);
    await ctx.courierReachable(courier, signal);
    const result = ctx.courierService.copy(cap, capHash);
    let settled = false;
    void result.then(() => (settled = true), () => (settled = true));
    // §3.8: InProgress, then a poll every copyPollMs until Succeeded or Failed.
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new AbortedError('aborted')), { once: true }));
    aborted.catch(() => undefined);
    while (!settled) {
      await Promise.race([result, ctx.options.copyPollMs > 0 ? sleep(ctx.options.copyPollMs, signal) : aborted]);
      if (!settled) await ctx.mixnet.roundTrip(signal);
    }
    const r = await Promise.race([result, aborted]);
    if (ctx.options.copyPollMs > 0) await ctx.mixnet.roundTrip(signal);
    if (r.errorCode === 0) return send({ error_code: 0 });
    const fields: Record<string, unknown> = { error_code: r.errorCode };
    // omitempty (§1.3): absent when zero.
    if (r.replicaErrorCode) fields.replica_error_code = r.replicaErrorCode;
    if (r.failedEnvelopeIndex) fields.failed_envelope_index = r.failedEnvelopeIndex;
    send(fields);
  };
  run()
    .catch((e: unknown) => {
      if (!(e instanceof AbortedError)) send({ error_code: ThinCode.InternalError });
    })
    .finally(() => {
      onSent();
      unregister(session, flightKey, abort);
    });
  return undefined;
}

/** §2.5/§2.6: the cancelled call gets 24 first, then the cancel gets 0; unknown keys also get 0. */
export function cancelResending(session: Session, body: Body, field: 'envelope_hash' | 'write_cap_hash'): Reply {
  const key = field === 'envelope_hash' ? 'cancel_resending_encrypted_message_reply' : 'cancel_resending_copy_command_reply';
  const hash = optBytes(body, field, 32);
  if (!hash) return [key, { query_id: queryId(body) ?? null, error_code: ThinCode.InvalidRequest }];
  const op = session.inFlight.get(hex(hash));
  if (op) {
    session.inFlight.delete(hex(hash));
    op.replyCancelled();
    op.abort.abort();
  }
  return [key, { query_id: queryId(body) ?? null, error_code: 0 }];
}

/**
 * Legacy send_message (§2.9): fire and forget, no retries. With a SURB the daemon announces
 * message_sent_event, and the echo service answers with message_reply_event carrying the payload
 * back; these legacy events are queued for an absent session (§1.6). Any other destination is a
 * packet into the void.
 */
export function sendLegacyMessage(ctx: DaemonContext, session: Session, body: Body, onSent: OnSent): void {
  const id = optBytes(body, 'id') ?? null;
  const surbId = optBytes(body, 'surbid') ?? null;
  const withSurb = optBool(body, 'with_surb');
  const destination = optBytes(body, 'destination_id_hash');
  const queue = optBytes(body, 'recipient_queue_id');
  const payload = optBytes(body, 'payload') ?? new Uint8Array(0);
  const toEcho = !!destination && equal(destination, ctx.courier().identityHash) && !!queue && Buffer.from(queue).toString() === ECHO_ENDPOINT;
  const run = async (): Promise<void> => {
    await ctx.mixnet.sendSlot();
    onSent();
    if (!withSurb) return;
    session.send(encodeFrame('message_sent_event', {
      message_id: id, surbid: surbId, sent_at: Math.floor(Date.now() / 1000), reply_eta: 0,
    }), true);
    await ctx.mixnet.roundTrip();
    if (!toEcho) return;
    // Sphinx payloads are fixed-size: the reply is padded to UserForwardPayloadLength.
    const reply = new Uint8Array(ctx.geometry.sphinx.UserForwardPayloadLength);
    reply.set(payload.subarray(0, reply.length));
    session.send(encodeFrame('message_reply_event', { message_id: id, surbid: surbId, payload: reply, error_code: 0 }), true);
  };
  run().catch(() => undefined).finally(onSent);
}
