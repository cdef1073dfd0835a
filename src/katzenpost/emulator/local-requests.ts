// Requests kpclientd answers inline, in order, without the mixnet (thin-client §1.7, §2.2–2.8).
import { chacha20 } from '@noble/ciphers/chacha.js';
import { MessageBoxIndex, PIGEONHOLE_CONTEXT, WriteCap, boxIdFor } from '../../bacap/index.js';
import { randomBytes } from 'node:crypto';
import { sealMessage } from './boxes.js';
import { ThinCode } from './codes.js';
import type { DaemonContext, Reply } from './context.js';
import { buildFromPayloads, buildTombstoneRange, MAX_COPY_PAYLOAD_BYTES } from './copy-builder.js';
import { optArray, optBool, optBytes, optIndex, optReadCap, optUint, optWriteCap, queryId } from './fields.js';
import { signedPkiDocument } from './pki.js';

type Body = Record<string, unknown>;
const err = (key: Reply[0], body: Body, code: number): Reply => [key, { query_id: queryId(body) ?? null, error_code: code }];

/** §2.2: deterministic: ChaCha20 keystream (seed as key, zero nonce) feeds NewWriteCap. */
export function keypairFromSeed(seed: Uint8Array): WriteCap {
  const stream = chacha20(seed, new Uint8Array(12), new Uint8Array(80));
  let pos = 0;
  return WriteCap.generate((n) => {
    const out = stream.slice(pos, pos + n);
    pos += n;
    return out;
  });
}

/** Two distinct replica numbers for an envelope (§3.5: two intermediates). */
function replicaNums(count: number): Uint8Array {
  const a = randomBytes(1)[0]! % count;
  const b = (a + 1 + (randomBytes(1)[0]! % (count - 1))) % count;
  return new Uint8Array([a, b]);
}

/** encrypt_* and create_courier_envelopes_* need a PKI document with ≥ 3 replicas (§1.7, §3.5). */
function canEncrypt(ctx: DaemonContext): boolean {
  return ctx.options.replicas >= 3 && ctx.pkiDocument(ctx.pkiEpoch()) !== undefined;
}

export function newKeypair(_ctx: DaemonContext, body: Body): Reply {
  const seed = optBytes(body, 'seed');
  if (!seed || seed.length !== 32) return err('new_keypair_reply', body, ThinCode.InvalidRequest);
  const wc = keypairFromSeed(seed);
  return ['new_keypair_reply', {
    query_id: queryId(body), write_cap: wc.toBytes(), read_cap: wc.readCap().toBytes(), first_message_index: wc.firstIndex.toBytes(), error_code: 0,
  }];
}

function encryptReply(key: 'encrypt_read_reply' | 'encrypt_write_reply', body: Body, prepared: ReturnType<DaemonContext['envelopes']['seal']>, next: MessageBoxIndex): Reply {
  return [key, {
    query_id: queryId(body),
    message_ciphertext: prepared.messageCiphertext,
    envelope_descriptor: prepared.envelopeDescriptor,
    envelope_hash: prepared.envelopeHash,
    next_message_box_index: next.toBytes(),
    error_code: 0,
  }];
}

function nextOf(index: MessageBoxIndex): MessageBoxIndex | undefined {
  try {
    return index.next();
  } catch {
    return undefined;
  }
}

export function encryptWrite(ctx: DaemonContext, body: Body): Reply {
  const key = 'encrypt_write_reply';
  const plaintext = optBytes(body, 'plaintext');
  const cap = optWriteCap(body, 'write_cap');
  const index = optIndex(body, 'message_box_index');
  if (!plaintext || !cap || !index) return err(key, body, ThinCode.InvalidRequest);
  // §2.3: oversized plaintext gives 3 (PayloadTooLarge, 27, is never sent).
  if (plaintext.length > ctx.geometry.pigeonhole.MaxPlaintextPayloadLength) return err(key, body, ThinCode.InvalidRequest);
  if (!canEncrypt(ctx)) return err(key, body, ThinCode.InternalError);
  const next = nextOf(index);
  if (!next) return err(key, body, ThinCode.InternalError);
  const box = sealMessage(cap, index, plaintext, ctx.geometry.pigeonhole.MaxPlaintextPayloadLength);
  const prepared = ctx.envelopes.seal({ kind: 'write', ...box }, ctx.replicas.replicaEpoch(), replicaNums(ctx.options.replicas));
  return encryptReply(key, body, prepared, next);
}

export function encryptRead(ctx: DaemonContext, body: Body): Reply {
  const key = 'encrypt_read_reply';
  const cap = optReadCap(body, 'read_cap');
  const index = optIndex(body, 'message_box_index');
  if (!cap || !index) return err(key, body, ThinCode.InvalidRequest);
  if (!canEncrypt(ctx)) return err(key, body, ThinCode.InternalError);
  const next = nextOf(index);
  if (!next) return err(key, body, ThinCode.InternalError);
  const boxId = boxIdFor(cap, index, PIGEONHOLE_CONTEXT);
  const prepared = ctx.envelopes.seal({ kind: 'read', boxId }, ctx.replicas.replicaEpoch(), replicaNums(ctx.options.replicas));
  return encryptReply(key, body, prepared, next);
}

export function nextMessageBoxIndex(_ctx: DaemonContext, body: Body): Reply {
  const key = 'next_message_box_index_reply';
  const index = optIndex(body, 'message_box_index');
  if (!index) return err(key, body, ThinCode.InvalidRequest);
  const next = nextOf(index);
  if (!next) return err(key, body, ThinCode.InternalError);
  return [key, { query_id: queryId(body), next_message_box_index: next.toBytes(), error_code: 0 }];
}

export function messageBoxIndexCounter(_ctx: DaemonContext, body: Body): Reply {
  const key = 'get_message_box_index_counter_reply';
  const index = optIndex(body, 'message_box_index');
  if (!index) return err(key, body, ThinCode.InvalidRequest);
  // Minimal CBOR heads for small counters; above 2^53 it must stay a bigint (§1.3).
  const counter = index.idx <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(index.idx) : index.idx;
  return [key, { query_id: queryId(body), counter, error_code: 0 }];
}

export function getPkiDocument(ctx: DaemonContext, body: Body): Reply {
  const key = 'get_pki_document_reply';
  const requested = optUint(body, 'epoch') ?? 0n;
  const epoch = requested === 0n ? ctx.pkiEpoch() : Number(requested);
  const doc = ctx.pkiDocument(epoch);
  if (!doc) return [key, { query_id: queryId(body), payload: null, epoch: Number(requested), error_code: ThinCode.ServiceUnavailable }];
  return [key, { query_id: queryId(body), payload: signedPkiDocument(doc), epoch, error_code: 0 }];
}

export function getDirectoryAuthorities(ctx: DaemonContext, body: Body): Reply {
  return ['get_directory_authorities_reply', {
    query_id: queryId(body),
    authorities: [{
      identifier: 'emulator-auth1',
      pki_signature_scheme: 'Ed25519',
      wire_kem_scheme: 'xwing',
      addresses: ['tcp://127.0.0.1:0'],
      identity_public_key_pem: '-----BEGIN ED25519 PUBLIC KEY-----\n-----END ED25519 PUBLIC KEY-----\n',
      link_public_key_pem: '-----BEGIN XWING PUBLIC KEY-----\n-----END XWING PUBLIC KEY-----\n',
      identity_key_hash: ctx.courier().identityHash,
    }],
    error_code: 0,
  }];
}

export function createFromPayload(ctx: DaemonContext, body: Body): Reply {
  const key = 'create_courier_envelopes_from_payload_reply';
  const payload = optBytes(body, 'payload');
  const cap = optWriteCap(body, 'dest_write_cap');
  const start = optIndex(body, 'dest_start_index');
  if (!payload || !cap || !start || payload.length > MAX_COPY_PAYLOAD_BYTES) return err(key, body, ThinCode.InvalidRequest);
  if (!canEncrypt(ctx)) return err(key, body, ThinCode.InternalError);
  // §2.7: the single-payload variant is stateless and always flushes.
  const r = buildFromPayloads(ctx, [{ payload, cap, start }], optBool(body, 'is_start'), optBool(body, 'is_last'), undefined, true);
  if (!r) return err(key, body, ThinCode.InternalError);
  return [key, { query_id: queryId(body), envelopes: r.elements, next_dest_index: r.nextIndices[0]!.toBytes(), error_code: 0 }];
}

export function createFromMultiPayload(ctx: DaemonContext, body: Body): Reply {
  const key = 'create_courier_envelopes_from_multi_payload_reply';
  const list = optArray(body, 'destinations');
  if (!list || list.length === 0) return err(key, body, ThinCode.InvalidRequest);
  const dests = [];
  for (const d of list) {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return err(key, body, ThinCode.InvalidRequest);
    const payload = optBytes(d as Body, 'payload');
    const cap = optWriteCap(d as Body, 'write_cap');
    const start = optIndex(d as Body, 'start_index');
    if (!payload || !cap || !start || payload.length > MAX_COPY_PAYLOAD_BYTES) return err(key, body, ThinCode.InvalidRequest);
    dests.push({ payload, cap, start });
  }
  if (!canEncrypt(ctx)) return err(key, body, ThinCode.InternalError);
  const r = buildFromPayloads(ctx, dests, optBool(body, 'is_start'), optBool(body, 'is_last'), optBytes(body, 'buffer'), false);
  if (!r) return err(key, body, ThinCode.InternalError);
  return [key, { query_id: queryId(body), envelopes: r.elements, buffer: r.residue, next_dest_indices: r.nextIndices.map((i) => i.toBytes()), error_code: 0 }];
}

export function createFromTombstoneRange(ctx: DaemonContext, body: Body): Reply {
  const key = 'create_courier_envelopes_from_tombstone_range_reply';
  const cap = optWriteCap(body, 'dest_write_cap');
  const start = optIndex(body, 'dest_start_index');
  const maxCount = optUint(body, 'max_count') ?? 0n;
  if (!cap || !start || maxCount > 0xffff_ffffn) return err(key, body, ThinCode.InvalidRequest);
  if (maxCount === 0n) return [key, { query_id: queryId(body), envelopes: [], buffer: optBytes(body, 'buffer') ?? null, next_dest_index: start.toBytes(), error_code: 0 }];
  if (!canEncrypt(ctx)) return err(key, body, ThinCode.InternalError);
  const r = buildTombstoneRange(ctx, cap, start, Number(maxCount), optBool(body, 'is_start'), optBool(body, 'is_last'), optBytes(body, 'buffer'));
  if (!r) return err(key, body, ThinCode.InternalError);
  return [key, { query_id: queryId(body), envelopes: r.elements, buffer: r.residue, next_dest_index: r.nextIndices[0]!.toBytes(), error_code: 0 }];
}
