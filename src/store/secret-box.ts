// Secrets at rest (write caps, read caps, vouchers): XChaCha20-Poly1305 under a 32-byte key file.
// XChaCha's 24-byte nonces are safe to draw at random for every seal, so no nonce counter has to
// survive restarts. Sealed layout: version (1 byte, 0x01) || nonce (24) || ciphertext || tag (16).
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { StoreError } from './errors.js';

const KEY_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const VERSION = 0x01;
const HEADER_BYTES = 1 + NONCE_BYTES;
/** Group and others must have no access at all; readable is what matters, writable is no better. */
const FORBIDDEN_MODE_BITS = 0o077;

export class SecretBox {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array)) throw new TypeError('SecretBox: key must be a Uint8Array');
    if (key.length !== KEY_BYTES) throw new RangeError(`SecretBox: key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Uint8Array.from(key);
  }

  /**
   * Opens the key file at `path`, creating it (mode 0600, 32 random bytes) if it does not exist.
   * Refuses a file that group or others may access, or that is not exactly 32 bytes: a wrong key
   * would make every stored cap unreadable, and a readable one would expose them all.
   */
  static fromKeyFile(path: string): SecretBox {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('SecretBox.fromKeyFile: path must be non-empty text');
    let fd: number;
    try {
      // O_EXCL: never overwrite a key that appeared meanwhile (another process created it).
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return new SecretBox(readKeyFile(path));
      throw new StoreError('key_file_invalid', `cannot create the secrets key file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'}); check that its folder exists and is writable`, { cause: e });
    }
    const key = randomBytes(KEY_BYTES);
    try {
      writeSync(fd, key);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return new SecretBox(key);
  }

  /** A 32-byte key for one other purpose (e.g. signing media links), derived from this key by
   *  HMAC-SHA-256 under the purpose's name, so one key file serves them all and no purpose's key
   *  reveals another's or this one. */
  deriveKey(purpose: string): Uint8Array {
    if (typeof purpose !== 'string' || purpose.length === 0) throw new TypeError('SecretBox.deriveKey: purpose must be non-empty text');
    return new Uint8Array(createHmac('sha256', this.#key).update(`katzenbridge subkey\0${purpose}`).digest());
  }

  /** Encrypts `plaintext`; `context` (associated data) names where it will be stored. */
  seal(plaintext: Uint8Array, context: string): Uint8Array {
    if (!(plaintext instanceof Uint8Array)) throw new TypeError('SecretBox.seal: plaintext must be a Uint8Array');
    if (typeof context !== 'string' || context.length === 0) throw new TypeError('SecretBox.seal: context must be non-empty text');
    const nonce = randomBytes(NONCE_BYTES);
    const ct = xchacha20poly1305(this.#key, nonce, encode(context)).encrypt(plaintext);
    const out = new Uint8Array(HEADER_BYTES + ct.length);
    out[0] = VERSION;
    out.set(nonce, 1);
    out.set(ct, HEADER_BYTES);
    return out;
  }

  /** Decrypts what `seal` made under the same key and context; anything else is a StoreError. */
  open(sealed: Uint8Array, context: string): Uint8Array {
    if (!(sealed instanceof Uint8Array)) throw new TypeError('SecretBox.open: sealed must be a Uint8Array');
    if (typeof context !== 'string' || context.length === 0) throw new TypeError('SecretBox.open: context must be non-empty text');
    if (sealed.length < HEADER_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new StoreError('secret_box_open', `sealed value for ${context} is malformed (${sealed.length} bytes, version ${sealed[0] ?? 'none'})`);
    }
    try {
      return xchacha20poly1305(this.#key, sealed.subarray(1, HEADER_BYTES), encode(context)).decrypt(sealed.subarray(HEADER_BYTES));
    } catch (e) {
      throw new StoreError('secret_box_open', `sealed value for ${context} does not open: wrong key file, or the value was changed or moved from another row`, { cause: e });
    }
  }
}

function readKeyFile(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw new StoreError('key_file_invalid', `cannot open the secrets key file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
  try {
    // fstat on the open descriptor: the file checked is the file read.
    const st = fstatSync(fd);
    if (!st.isFile()) throw new StoreError('key_file_invalid', `${path} is not a regular file; point secrets.key_file at the key file`);
    if ((st.mode & FORBIDDEN_MODE_BITS) !== 0) {
      throw new StoreError(
        'key_file_permissions',
        `${path} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; group and others must have no access: run chmod 600 ${path}`,
      );
    }
    if (st.size !== KEY_BYTES) {
      throw new StoreError('key_file_invalid', `${path} holds ${st.size} bytes, not ${KEY_BYTES}; restore the right key file (a new key cannot open existing secrets)`);
    }
    const key = new Uint8Array(KEY_BYTES);
    let got = 0;
    while (got < KEY_BYTES) {
      const n = readSync(fd, key, got, KEY_BYTES - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got !== KEY_BYTES) throw new StoreError('key_file_invalid', `${path}: read ${got} of ${KEY_BYTES} bytes`);
    return key;
  } finally {
    closeSync(fd);
  }
}

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
