import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { gcmsiv } from '@noble/ciphers/aes.js';
import { polyval } from '@noble/ciphers/_polyval.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha512 } from '@noble/hashes/sha2.js';
import sodium from 'sodium-native';
import { verifyBox } from '../../../src/bacap/index.js';
import { aeadOpen, aeadSeal } from '../../../src/bacap/gcm-siv.js';
import { hkdfBlake2b } from '../../../src/bacap/hkdf.js';
import { polyvalBlocks } from '../../../src/bacap/polyval.js';
import { verifyExact } from '../../../src/bacap/signature.js';

// The fast paths (own POLYVAL, libsodium HMAC-BLAKE2b, libsodium verification) against the
// straightforward @noble implementations and the exact Go verification algorithm, including the
// crafted signatures Go accepts but libsodium refuses (bacap.md §7.2). The vector file pins all
// of them against Go as well; these tests cover inputs the vectors do not.
const SCALE = Number(process.env['BACAP_PROPERTY_SCALE'] ?? '1');
const { Point } = ed25519;
const L = Point.Fn.ORDER;

function rand(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

function randomInt(maxInclusive: number): number {
  return Math.floor(Math.random() * (maxInclusive + 1));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** An Ed25519 signature with a chosen R point and scalar equation S = r + k·a (a may be 0). */
function craft(R: Uint8Array, A: Uint8Array, msg: Uint8Array, r: bigint, a: bigint): Uint8Array {
  const k = bytesToNumberLE(sha512(new Uint8Array([...R, ...A, ...msg]))) % L;
  return new Uint8Array([...R, ...numberToBytesLE((r + k * a) % L, 32)]);
}

function encodingWithY(y: bigint, signBit: number): Uint8Array {
  const b = numberToBytesLE(y, 32);
  b[31]! |= signBit << 7;
  return b;
}

const P_FIELD = 2n ** 255n - 19n;
const T8 = Point.fromBytes(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'), true); // order 8

describe('BACAP fast paths agree with the reference implementations', () => {
  it('POLYVAL (Shoup 4-bit) equals noble polyval on random keys and 0..40 blocks', () => {
    for (let i = 0; i < 200 * SCALE; i++) {
      const key = rand(16);
      const blocks = rand(16 * randomInt(40));
      assert.equal(hex(polyvalBlocks(key, blocks)), hex(polyval(blocks, key)));
    }
  });

  it('nonce12 sealing equals noble gcmsiv (RFC 8452) for sizes 0..1553, and both variants open what they seal', () => {
    for (let i = 0; i < 60 * SCALE; i++) {
      const key = rand(32), boxId = rand(32), pt = rand(i < 20 ? i : randomInt(1553));
      const ct = aeadSeal('nonce12', key, boxId, pt);
      assert.equal(hex(ct), hex(gcmsiv(key, boxId.subarray(0, 12), boxId).encrypt(pt)));
      assert.equal(hex(aeadOpen('nonce12', key, boxId, ct)), hex(pt));
      const ct16 = aeadSeal('nonce16', key, boxId, pt);
      assert.equal(hex(aeadOpen('nonce16', key, boxId, ct16)), hex(pt));
      assert.notEqual(hex(ct16), hex(ct), 'the variants differ unless boxId[12:16] is zero');
    }
  });

  it('nonce16 equals RFC 8452 when the nonce bytes 12..15 are zero (§8.2)', () => {
    for (let i = 0; i < 20; i++) {
      const key = rand(32), boxId = rand(32), pt = rand(randomInt(100));
      boxId.fill(0, 12, 16);
      assert.equal(hex(aeadSeal('nonce16', key, boxId, pt)), hex(gcmsiv(key, boxId.subarray(0, 12), boxId).encrypt(pt)));
    }
  });

  it('HKDF-BLAKE2b (libsodium, cached and uncached salts) equals noble hkdf(blake2b) for random salts, infos and lengths', () => {
    const salts = [undefined, new Uint8Array(0), rand(18), rand(128), rand(129), rand(300)];
    for (let i = 0; i < 100 * SCALE; i++) {
      const ikm = rand(randomInt(200)), salt = salts[i % salts.length], info = rand(randomInt(40)), n = 1 + randomInt(300);
      const expected = hex(hkdf(blake2b, ikm, salt, info, n));
      assert.equal(hex(hkdfBlake2b(ikm, salt, info, n)), expected);
      assert.equal(hex(hkdfBlake2b(ikm, salt, info, n, false)), expected, 'uncached (secret) salt');
    }
  });

  describe('verification: Go semantics where libsodium would differ', () => {
    const a = bytesToNumberLE(rand(32)) % L;
    const A = Point.BASE.multiply(a).toBytes();
    const msg = rand(20);

    it('R = identity with S = k·a: Go accepts, libsodium refuses (small-order R), verifyBox accepts', () => {
      const R = Point.ZERO.toBytes();
      const sig = craft(R, A, msg, 0n, a);
      assert.equal(verifyExact(A, msg, sig), true);
      assert.equal(sodium.crypto_sign_verify_detached(sig, msg, A), false);
      assert.equal(verifyBox(A, msg, sig), true);
    });

    it('identity public key in every encoding Go decodes (canonical, sign bit set, y = p + 1): accepted like Go', () => {
      const r = bytesToNumberLE(rand(32)) % L;
      const R = Point.BASE.multiply(r).toBytes();
      for (const key of [encodingWithY(1n, 0), encodingWithY(1n, 1), encodingWithY(P_FIELD + 1n, 0)]) {
        const sig = craft(R, key, msg, r, 0n); // [S]B - [k]·identity = rB = R for any message
        assert.equal(verifyExact(key, msg, sig), true, hex(key));
        assert.equal(sodium.crypto_sign_verify_detached(sig, msg, key), false, hex(key));
        assert.equal(verifyBox(key, msg, sig), true, hex(key));
      }
    });

    it('a key with an order-8 component (not small order): cofactorless, so accepted only when 8 | k, like Go', () => {
      const At = Point.fromBytes(A, true).add(T8).toBytes();
      const seen = new Set<boolean>();
      for (let i = 0; i < 400 && seen.size < 2; i++) {
        const r = BigInt(i + 1);
        const m = rand(8);
        const sig = craft(Point.BASE.multiply(r).toBytes(), At, m, r, a);
        const go = verifyExact(At, m, sig);
        assert.equal(verifyBox(At, m, sig), go);
        seen.add(go);
      }
      assert.equal(seen.size, 2, 'expected both accepted and rejected signatures');
    });

    it('R with an order-8 component on an honest key: rejected like Go', () => {
      const r = bytesToNumberLE(rand(32)) % L;
      const R = Point.BASE.multiply(r).add(T8).toBytes();
      const sig = craft(R, A, msg, r, a);
      assert.equal(verifyExact(A, msg, sig), false);
      assert.equal(verifyBox(A, msg, sig), false);
    });

    it('S >= L, high bits of S, and keys that are not points are rejected by both paths', () => {
      const r = bytesToNumberLE(rand(32)) % L;
      const sig = craft(Point.BASE.multiply(r).toBytes(), A, msg, r, a);
      assert.equal(verifyBox(A, msg, sig), true);
      const S = bytesToNumberLE(sig.subarray(32));
      const plusL = new Uint8Array([...sig.subarray(0, 32), ...numberToBytesLE(S + L, 32)]);
      assert.equal(verifyBox(A, msg, plusL), false);
      assert.equal(verifyExact(A, msg, plusL), false);
      const high = sig.slice();
      high[63]! |= 0x20;
      assert.equal(verifyBox(A, msg, high), false);
      const notPoint = encodingWithY(2n, 0); // y = 2 is on no Ed25519 point
      assert.equal(verifyBox(notPoint, msg, sig), false);
      assert.equal(verifyExact(notPoint, msg, sig), false);
    });
  });
});
