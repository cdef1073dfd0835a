// The emulator's own stand-in for Pigeonhole's CourierQuery / CourierEnvelope (thin-client §3.1:
// the crypto inside the opaque blobs may be ours; sizes and behaviour must match). An envelope is
// sealed with ChaCha20-Poly1305 under a key derived from a persistent network secret and the
// replica epoch, so a ciphertext stored by a client stays valid across an emulator restart and
// turns stale (code 32) outside current ± 1 replica epochs, as the real courier decides (§3.5).
//
// message_ciphertext (CourierQueryWriteLength bytes; reads are padded to the same size, §2.3):
//   [0] query type 0 (envelope) | CourierEnvelope (the rest, also the copy-stream unit):
//   epoch u64 LE [8] | replica nums [2] | ephemeral [32] | sealed length u32 BE [4] | sealed | zeros
// sealed inner: kind [1] (0 read, 1 write) | BLAKE2b-256(EnvelopeKey) [32] | box ID [32]
//   | writes: signature [64] | ciphertext length u32 BE [4] | BACAP ciphertext
import { randomBytes } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { encode as cborEncode, decode as cborDecode } from 'cbor-x';

const HEADER_BYTES = 8 + 2 + 32 + 4;
const TAG_BYTES = 16;
const INNER_FIXED = 1 + 32 + 32;
export const ENVELOPE_HASH_BYTES = 32;

export type EnvelopeBody =
  | { readonly kind: 'read'; readonly boxId: Uint8Array }
  | { readonly kind: 'write'; readonly boxId: Uint8Array; readonly signature: Uint8Array; readonly ciphertext: Uint8Array };

export interface Envelope {
  readonly replicaEpoch: number;
  readonly replicaNums: Uint8Array;
  readonly descriptorKeyHash: Uint8Array;
  readonly body: EnvelopeBody;
}

export interface PreparedEnvelope {
  /** The full CourierQuery (type byte + CourierEnvelope), `queryLength` bytes. */
  readonly messageCiphertext: Uint8Array;
  readonly envelopeDescriptor: Uint8Array;
  readonly envelopeHash: Uint8Array;
}

/** Why an envelope was refused; the courier maps these to thin codes 31 and 32. */
export type EnvelopeProblem = 'malformed' | 'stale-epoch';

const hash32 = (...parts: Uint8Array[]): Uint8Array => {
  const h = blake2b.create({ dkLen: 32 });
  for (const p of parts) h.update(p);
  return h.digest();
};

function le64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export class EnvelopeCodec {
  constructor(
    private readonly networkSecret: Uint8Array,
    /** CourierQueryWriteLength (§3.2). */
    readonly queryLength: number,
  ) {}

  private key(replicaEpoch: number): Uint8Array {
    return blake2b(le64(replicaEpoch), { key: this.networkSecret, dkLen: 32 });
  }

  /** Seals a read or write for the given replica epoch; every call has a fresh hash (§2.3). */
  seal(body: EnvelopeBody, replicaEpoch: number, replicaNums: Uint8Array): PreparedEnvelope {
    const envelopeKey = new Uint8Array(randomBytes(32));
    const ephemeral = new Uint8Array(randomBytes(32));
    const inner = body.kind === 'read'
      ? new Uint8Array(INNER_FIXED)
      : new Uint8Array(INNER_FIXED + 64 + 4 + body.ciphertext.length);
    inner[0] = body.kind === 'read' ? 0 : 1;
    inner.set(hash32(envelopeKey), 1);
    inner.set(body.boxId, 33);
    if (body.kind === 'write') {
      inner.set(body.signature, INNER_FIXED);
      new DataView(inner.buffer).setUint32(INNER_FIXED + 64, body.ciphertext.length);
      inner.set(body.ciphertext, INNER_FIXED + 68);
    }
    const out = new Uint8Array(this.queryLength);
    out[0] = 0;
    const header = out.subarray(1, 1 + HEADER_BYTES);
    header.set(le64(replicaEpoch), 0);
    header.set(replicaNums.subarray(0, 2), 8);
    header.set(ephemeral, 10);
    const sealed = chacha20poly1305(this.key(replicaEpoch), ephemeral.subarray(0, 12), header.subarray(0, 42)).encrypt(inner);
    if (1 + HEADER_BYTES + sealed.length > this.queryLength) throw new RangeError('envelope: body does not fit the geometry');
    new DataView(out.buffer).setUint32(1 + 42, sealed.length);
    out.set(sealed, 1 + HEADER_BYTES);
    const envelopeDescriptor = cborEncode({ Epoch: replicaEpoch, ReplicaNums: Buffer.from(replicaNums.subarray(0, 2)), EnvelopeKey: Buffer.from(envelopeKey) });
    return { messageCiphertext: out, envelopeDescriptor: new Uint8Array(envelopeDescriptor), envelopeHash: hash32(ephemeral, sealed) };
  }

  /** Opens a CourierEnvelope (a message_ciphertext without its type byte). */
  openEnvelope(env: Uint8Array, currentReplicaEpoch: number): Envelope | EnvelopeProblem {
    if (env.length < HEADER_BYTES + TAG_BYTES + INNER_FIXED) return 'malformed';
    const view = new DataView(env.buffer, env.byteOffset, env.byteLength);
    const epochBig = view.getBigUint64(0, true);
    const sealedLength = view.getUint32(42);
    if (sealedLength < TAG_BYTES + INNER_FIXED || HEADER_BYTES + sealedLength > env.length) return 'malformed';
    // §3.5: couriers accept an envelope epoch within current ± 1; older ones must be re-encrypted.
    if (epochBig > BigInt(currentReplicaEpoch + 1) || epochBig < BigInt(currentReplicaEpoch - 1)) return 'stale-epoch';
    const replicaEpoch = Number(epochBig);
    let inner: Uint8Array;
    try {
      inner = chacha20poly1305(this.key(replicaEpoch), env.subarray(10, 22), env.subarray(0, 42)).decrypt(env.subarray(HEADER_BYTES, HEADER_BYTES + sealedLength));
    } catch {
      return 'malformed';
    }
    const descriptorKeyHash = inner.slice(1, 33);
    const boxId = inner.slice(33, 65);
    const base = { replicaEpoch, replicaNums: env.slice(8, 10), descriptorKeyHash };
    if (inner[0] === 0 && inner.length === INNER_FIXED) return { ...base, body: { kind: 'read', boxId } };
    if (inner[0] !== 1 || inner.length < INNER_FIXED + 68) return 'malformed';
    const ctLength = new DataView(inner.buffer, inner.byteOffset).getUint32(INNER_FIXED + 64);
    if (INNER_FIXED + 68 + ctLength !== inner.length) return 'malformed';
    return { ...base, body: { kind: 'write', boxId, signature: inner.slice(INNER_FIXED, INNER_FIXED + 64), ciphertext: inner.slice(INNER_FIXED + 68) } };
  }

  /** Opens a full CourierQuery as sent in start_resending_encrypted_message. */
  openQuery(query: Uint8Array, currentReplicaEpoch: number): Envelope | EnvelopeProblem {
    if (query.length < 1 || query[0] !== 0) return 'malformed';
    return this.openEnvelope(query.subarray(1), currentReplicaEpoch);
  }
}

/** What the daemon keeps to decrypt the reply (§2.3): {Epoch, ReplicaNums, EnvelopeKey}. */
export function parseDescriptor(bytes: Uint8Array): { epoch: number; keyHash: Uint8Array } | undefined {
  try {
    const d: unknown = cborDecode(bytes);
    if (typeof d !== 'object' || d === null) return undefined;
    const { Epoch, EnvelopeKey } = d as Record<string, unknown>;
    if ((typeof Epoch !== 'number' && typeof Epoch !== 'bigint') || !(EnvelopeKey instanceof Uint8Array)) return undefined;
    return { epoch: Number(Epoch), keyHash: hash32(EnvelopeKey) };
  } catch {
    return undefined;
  }
}

export function blake2b256(bytes: Uint8Array): Uint8Array {
  return hash32(bytes);
}
