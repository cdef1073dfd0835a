import { abytes, equalBytes, isAllZero } from './_bytes.js';
import { ReadCap, WriteCap } from './caps.js';
import { BacapError, GO_MESSAGES } from './errors.js';
import { type AeadVariant, DEFAULT_AEAD_VARIANT, aeadOpen, aeadSeal, assertVariant } from './gcm-siv.js';
import { hkdfBlake2b } from './hkdf.js';
import { MessageBoxIndex } from './message-box-index.js';
import { scalarMultBase, scalarMultPoint } from './points.js';
import { blindingScalarBytes, scalarMul } from './scalar.js';
import { blindedSignBytes, verifyGo } from './signature.js';

export const BOX_ID_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const AEAD_TAG_BYTES = 16;
/** The context Katzenpost Pigeonhole passes to every box operation (bacap.md §6). */
export const PIGEONHOLE_CONTEXT: Uint8Array = new TextEncoder().encode('pigeonhole context');

const EMPTY = new Uint8Array(0);

/** What a writer puts in a box: its ID (the blinded public key), ciphertext and signature. */
export interface SealedBox {
  readonly boxId: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
}

/** An opened box: a message, or a tombstone (an empty ciphertext, distinct from an encrypted empty message). */
export type OpenedBox = { readonly kind: 'message'; readonly plaintext: Uint8Array } | { readonly kind: 'tombstone' };

/** Per-box, per-context keys (§6): ctx is the HKDF salt, with empty info. */
export function contextKeys(index: MessageBoxIndex, ctx: Uint8Array): { kCtx: Uint8Array; eCtx: Uint8Array } {
  return { kCtx: hkdfBlake2b(index.blindingFactor, ctx, EMPTY, 32), eCtx: hkdfBlake2b(index.encryptionKey, ctx, EMPTY, 32) };
}

function checkCtx(ctx: Uint8Array): void {
  abytes(ctx, 'ctx');
}

// Our own callers' misuse gets a TypeError naming the argument, not a crash deep inside.
function checkCapAndIndex(cap: unknown, index: unknown, writer: boolean): void {
  if (writer ? !(cap instanceof WriteCap) : !(cap instanceof ReadCap || cap instanceof WriteCap)) {
    throw new TypeError(`cap: expected ${writer ? 'WriteCap' : 'ReadCap or WriteCap'}`);
  }
  if (!(index instanceof MessageBoxIndex)) throw new TypeError('index: expected MessageBoxIndex');
}

/** BoxID = encode(f·P) for the index and context; from a WriteCap the same point is s'·B, faster. */
export function boxIdFor(cap: ReadCap | WriteCap, index: MessageBoxIndex, ctx: Uint8Array): Uint8Array {
  checkCapAndIndex(cap, index, false);
  checkCtx(ctx);
  return boxIdFromKCtx(cap, hkdfBlake2b(index.blindingFactor, ctx, EMPTY, 32));
}

function boxIdFromKCtx(cap: ReadCap | WriteCap, kCtx: Uint8Array): Uint8Array {
  const f = blindingScalarBytes(kCtx);
  if (cap instanceof WriteCap) return scalarMultBase(scalarMul(f, cap.rootSecretScalarBytes()));
  const id = scalarMultPoint(cap.rootPublicKey, f);
  // ReadCap.fromBytes validated the point, so this cannot happen for a parsed cap.
  if (!id) throw new BacapError('INVALID_POINT', 'ReadCap root public key is not a valid Ed25519 point');
  return id;
}

/** The legacy DeriveMessageBoxID: blinds with the raw K, no context (§6). Messages never use it. */
export function rawBoxIdFor(cap: ReadCap | WriteCap, index: MessageBoxIndex): Uint8Array {
  const id = scalarMultPoint(cap.rootPublicKey, blindingScalarBytes(index.blindingFactor));
  if (!id) throw new BacapError('INVALID_POINT', 'root public key is not a valid Ed25519 point');
  return id;
}

/** s' = f·a mod L and BoxID = s'·B (§6), the writer's faster route to the same point as f·P. */
function blindedSecret(cap: WriteCap, kCtx: Uint8Array): { s: Uint8Array; boxId: Uint8Array } {
  const s = scalarMul(blindingScalarBytes(kCtx), cap.rootSecretScalarBytes());
  return { s, boxId: scalarMultBase(s) };
}

/** EncryptForContext (§9.1): the signature covers the ciphertext, not the plaintext. */
export function encryptForContext(
  cap: WriteCap,
  index: MessageBoxIndex,
  ctx: Uint8Array,
  plaintext: Uint8Array,
  variant: AeadVariant = DEFAULT_AEAD_VARIANT,
): SealedBox {
  checkCapAndIndex(cap, index, true);
  checkCtx(ctx);
  abytes(plaintext, 'plaintext');
  assertVariant(variant);
  const { kCtx, eCtx } = contextKeys(index, ctx);
  const { s, boxId } = blindedSecret(cap, kCtx);
  const ciphertext = aeadSeal(variant, eCtx, boxId, plaintext);
  return { boxId, ciphertext, signature: blindedSignBytes(s, boxId, ciphertext) };
}

/** SignBox (§9.2): signs an arbitrary message under the box's blinded key. */
export function signBox(cap: WriteCap, index: MessageBoxIndex, ctx: Uint8Array, message: Uint8Array): { boxId: Uint8Array; signature: Uint8Array } {
  checkCapAndIndex(cap, index, true);
  checkCtx(ctx);
  abytes(message, 'message');
  const { s, boxId } = blindedSecret(cap, hkdfBlake2b(index.blindingFactor, ctx, EMPTY, 32));
  return { boxId, signature: blindedSignBytes(s, boxId, message) };
}

/** A tombstone (§9.5): zero-length ciphertext and a signature over the empty message. */
export function tombstoneFor(cap: WriteCap, index: MessageBoxIndex, ctx: Uint8Array): SealedBox {
  const { boxId, signature } = signBox(cap, index, ctx, EMPTY);
  return { boxId, ciphertext: new Uint8Array(0), signature };
}

/** VerifyBox (§9.3) with Go's semantics; false for anything that does not verify. */
export function verifyBox(boxId: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(boxId instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
  return verifyGo(boxId, message, signature);
}

/**
 * Go's DecryptForContext (§9.4) — signature first, then tombstone, then AEAD — WITHOUT the box
 * check. Exposed for the vectors; callers use openForContext or ReadPosition.
 */
export function decryptForContext(
  index: MessageBoxIndex,
  ctx: Uint8Array,
  boxId: Uint8Array,
  ciphertext: Uint8Array,
  signature: Uint8Array,
  variant: AeadVariant = DEFAULT_AEAD_VARIANT,
): OpenedBox {
  checkCtx(ctx);
  return openWithKey(contextKeys(index, ctx).eCtx, boxId, ciphertext, signature, variant);
}

function openWithKey(eCtx: Uint8Array, boxId: Uint8Array, ciphertext: Uint8Array, signature: Uint8Array, variant: AeadVariant): OpenedBox {
  if (!verifyBox(boxId, ciphertext, signature)) {
    throw new BacapError('BAD_SIGNATURE', 'box signature does not verify', GO_MESSAGES.badSignature);
  }
  if (ciphertext.length === 0) return { kind: 'tombstone' };
  return { kind: 'message', plaintext: aeadOpen(variant, eCtx, boxId, ciphertext) };
}

/**
 * The position of one box for a reader: its expected box ID and AEAD key, derived once. open()
 * always checks the box first (upstream's OpenForContext, §9.4): an all-zero box is EMPTY_BOX, a
 * box other than the expected one is WRONG_BOX — so a tombstone signed for another box can never
 * pass — then the signature, then the AEAD.
 */
export class ReadPosition {
  private constructor(
    readonly index: MessageBoxIndex,
    readonly boxId: Uint8Array,
    private readonly eCtx: Uint8Array,
    private readonly variant: AeadVariant,
  ) {}

  static derive(cap: ReadCap | WriteCap, index: MessageBoxIndex, ctx: Uint8Array, variant: AeadVariant = DEFAULT_AEAD_VARIANT): ReadPosition {
    checkCapAndIndex(cap, index, false);
    checkCtx(ctx);
    assertVariant(variant);
    const { kCtx, eCtx } = contextKeys(index, ctx);
    return new ReadPosition(index, boxIdFromKCtx(cap, kCtx), eCtx, variant);
  }

  open(boxId: Uint8Array, ciphertext: Uint8Array, signature: Uint8Array): OpenedBox {
    if (!(boxId instanceof Uint8Array) || !(ciphertext instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
      throw new TypeError('open: boxId, ciphertext and signature must be Uint8Array');
    }
    if (isAllZero(boxId)) throw new BacapError('EMPTY_BOX', 'box ID is all zero: no message received', GO_MESSAGES.emptyBox);
    if (boxId.length !== BOX_ID_BYTES || !equalBytes(boxId, this.boxId)) {
      throw new BacapError('WRONG_BOX', 'box is not the one the capability and index derive', GO_MESSAGES.wrongBox);
    }
    return openWithKey(this.eCtx, boxId, ciphertext, signature, this.variant);
  }
}

/** One-shot OpenForContext: derive the position and open the box. */
export function openForContext(
  cap: ReadCap | WriteCap,
  index: MessageBoxIndex,
  ctx: Uint8Array,
  boxId: Uint8Array,
  ciphertext: Uint8Array,
  signature: Uint8Array,
  variant: AeadVariant = DEFAULT_AEAD_VARIANT,
): OpenedBox {
  return ReadPosition.derive(cap, index, ctx, variant).open(boxId, ciphertext, signature);
}
