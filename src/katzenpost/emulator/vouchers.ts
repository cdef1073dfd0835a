// Contact vouchers (thin-client §2.8; group-chat-wire §1.10) with the emulator's own sealing:
// the shapes and the agreements are the real ones — voucher = BLAKE2b-256(payload), the voucher
// stream derived from SHAKE-256(voucher), a payload signed by the joiner's BACAP root key, and
// induct's salt-mutated read cap addressing the same boxes as open's mutated write cap — while
// the seal is X25519 + ChaCha20-Poly1305 instead of CTIDH1024-X25519 MKEM.
import { randomBytes } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import { ReadCap, WriteCap } from '../../bacap/index.js';
import { ThinCode } from './codes.js';
import type { DaemonContext, Reply } from './context.js';
import { optBytes, optText, optWriteCap, queryId } from './fields.js';

type Body = Record<string, unknown>;
const SEAL_INFO = new TextEncoder().encode('katzenbridge emulator voucher seal v1');
const fail = (key: Reply[0], body: Body, code: number): Reply => [key, { query_id: queryId(body) ?? null, error_code: code }];
const b = (x: Uint8Array): Buffer => Buffer.from(x);

function voucherStream(voucher: Uint8Array): WriteCap {
  const stream = shake256(voucher, { dkLen: 80 });
  let pos = 0;
  return WriteCap.generate((n) => stream.slice(pos, (pos += n)));
}

function sealKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  return blake2b(new Uint8Array([...shared, ...ephemeral, ...recipient]), { key: SEAL_INFO, dkLen: 32 });
}

function seal(recipient: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const secret = new Uint8Array(randomBytes(32));
  const ephemeral = x25519.getPublicKey(secret);
  const key = sealKey(x25519.getSharedSecret(secret, recipient), ephemeral, recipient);
  const ct = chacha20poly1305(key, new Uint8Array(12)).encrypt(plaintext);
  return new Uint8Array([...ephemeral, ...ct]);
}

function unseal(secret: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  try {
    const ephemeral = sealed.subarray(0, 32);
    const key = sealKey(x25519.getSharedSecret(secret, ephemeral), ephemeral, x25519.getPublicKey(secret));
    return chacha20poly1305(key, new Uint8Array(12)).decrypt(sealed.subarray(32));
  } catch {
    return undefined;
  }
}

function map(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = cborDecode(bytes);
    return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const caps = (wc: WriteCap): Body => ({ voucher_write_cap: wc.toBytes(), voucher_read_cap: wc.readCap().toBytes() });

export function mint(_ctx: DaemonContext, body: Body): Reply {
  const key = 'voucher_mint_reply';
  const wc = optWriteCap(body, 'message_write_cap');
  const name = optText(body, 'display_name');
  if (!wc || name === undefined) return fail(key, body, ThinCode.InvalidRequest);
  const pleaseAdd = cborEncode({ DisplayName: name, MessageReadCap: b(wc.readCap().toBytes()) });
  const signature = ed25519.sign(pleaseAdd, wc.toBytes().subarray(0, 32));
  const secretKey = new Uint8Array(randomBytes(32));
  const publicKey = x25519.getPublicKey(secretKey);
  const payload = new Uint8Array(cborEncode({ SignedPleaseAdd: { PleaseAdd: b(pleaseAdd), Signature: b(signature) }, VoucherPubKey: b(publicKey) }));
  const voucher = blake2b(payload, { dkLen: 32 });
  return [key, {
    query_id: queryId(body), voucher, voucher_payload: payload, ...caps(voucherStream(voucher)),
    voucher_secret_key: secretKey, voucher_public_key: publicKey, error_code: 0,
  }];
}

export function deriveStream(_ctx: DaemonContext, body: Body): Reply {
  const key = 'voucher_derive_stream_reply';
  const voucher = optBytes(body, 'voucher');
  if (!voucher || voucher.length !== 32) return fail(key, body, ThinCode.InvalidRequest);
  return [key, { query_id: queryId(body), ...caps(voucherStream(voucher)), error_code: 0 }];
}

export function induct(_ctx: DaemonContext, body: Body): Reply {
  const key = 'voucher_induct_reply';
  const voucher = optBytes(body, 'voucher');
  const payload = optBytes(body, 'voucher_payload');
  const whoReply = optBytes(body, 'who_reply');
  if (!voucher || voucher.length !== 32 || !payload || !whoReply) return fail(key, body, ThinCode.InvalidRequest);
  const digest = blake2b(payload, { dkLen: 32 });
  if (!digest.every((x, i) => x === voucher[i])) return fail(key, body, ThinCode.VoucherHashMismatch);
  const outer = map(payload);
  const signed = outer?.SignedPleaseAdd as Record<string, unknown> | undefined;
  const pleaseAddBytes = signed?.PleaseAdd;
  const signature = signed?.Signature;
  const publicKey = outer?.VoucherPubKey;
  if (!(pleaseAddBytes instanceof Uint8Array) || !(signature instanceof Uint8Array) || !(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    return fail(key, body, ThinCode.InvalidRequest);
  }
  const pleaseAdd = map(pleaseAddBytes);
  let readCap: ReadCap;
  try {
    readCap = ReadCap.fromBytes(pleaseAdd?.MessageReadCap as Uint8Array);
  } catch {
    return fail(key, body, ThinCode.InvalidRequest);
  }
  if (signature.length !== 64 || !ed25519.verify(signature, pleaseAddBytes, readCap.rootPublicKey)) return fail(key, body, ThinCode.VoucherSignatureInvalid);
  const salt = new Uint8Array(randomBytes(32));
  const mutated = readCap.withIndex(readCap.firstIndex.mutateKdfState(salt));
  const sealed = seal(publicKey, new Uint8Array(cborEncode({ WhoReply: b(whoReply), VoucherSalt: b(salt) })));
  return [key, {
    query_id: queryId(body),
    display_name: typeof pleaseAdd?.DisplayName === 'string' ? pleaseAdd.DisplayName : '',
    mutated_message_read_cap: mutated.toBytes(),
    sealed_reply: sealed,
    ...caps(voucherStream(voucher)),
    salt,
    error_code: 0,
  }];
}

export function open(_ctx: DaemonContext, body: Body): Reply {
  const key = 'voucher_open_reply';
  const secret = optBytes(body, 'voucher_secret_key');
  const sealed = optBytes(body, 'sealed_reply');
  const wc = optWriteCap(body, 'message_write_cap');
  if (!secret || secret.length !== 32 || !sealed || !wc) return fail(key, body, ThinCode.InvalidRequest);
  const plain = unseal(secret, sealed);
  if (!plain) return fail(key, body, ThinCode.VoucherSealOpenFailed);
  const inner = map(plain);
  const whoReply = inner?.WhoReply;
  const salt = inner?.VoucherSalt;
  if (!(whoReply instanceof Uint8Array) || !(salt instanceof Uint8Array)) return fail(key, body, ThinCode.InvalidRequest);
  const mutated = wc.withIndex(wc.firstIndex.mutateKdfState(salt));
  return [key, { query_id: queryId(body), who_reply: whoReply, salt, mutated_message_write_cap: mutated.toBytes(), error_code: 0 }];
}
