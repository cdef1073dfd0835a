import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { gcmsiv } from '@noble/ciphers/aes.js';
import {
  BacapError,
  MessageBoxIndex,
  ReadCap,
  ReadPosition,
  StatefulReader,
  StatefulWriter,
  WriteCap,
  boxIdFor,
  encryptForContext,
  openForContext,
  signBox,
  tombstoneFor,
  verifyBox,
  type AeadVariant,
} from '../../../src/bacap/index.js';
import { contextKeys, decryptForContext, rawBoxIdFor } from '../../../src/bacap/box.js';
import { aeadSeal } from '../../../src/bacap/gcm-siv.js';
import { hkdfBlake2b } from '../../../src/bacap/hkdf.js';
import { blindingSteps, modL, rootScalar, sc32 } from '../../../src/bacap/scalar.js';
import { blindedSign, blindedSignNonce } from '../../../src/bacap/signature.js';
import { scalarMultBase } from '../../../src/bacap/points.js';
import { fromHex, streamRng, toHex } from '../../support/hex.js';
import { vectorFile } from '../../support/paths.js';

// Every case of the BACAP vector file (bacap.md §14), both AEAD variants. The file is
// ../shared/vectors/bacap.json or $BACAP_VECTORS; titles name the case each test checks.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;
const FILE = vectorFile('BACAP_VECTORS', 'bacap.json');
const V: Json = JSON.parse(readFileSync(FILE, 'utf8'));

const VARIANTS: Record<string, AeadVariant> = {
  'nonce16_hpqc_v0.0.74': 'nonce16',
  nonce12_hpqc_upstream_05aba58: 'nonce12',
};

function idx(hex: string): MessageBoxIndex {
  return MessageBoxIndex.fromBytes(fromHex(hex));
}

function assertIndex(actual: MessageBoxIndex, expected: Json, what: string): void {
  assert.equal(actual.idx, BigInt(expected.idx), `${what}: idx`);
  assert.equal(toHex(actual.blindingFactor), expected.blinding_factor, `${what}: blinding_factor`);
  assert.equal(toHex(actual.encryptionKey), expected.encryption_key, `${what}: encryption_key`);
  assert.equal(toHex(actual.hkdfState), expected.hkdf_state, `${what}: hkdf_state`);
  assert.equal(toHex(actual.toBytes()), expected.marshal_binary, `${what}: marshal_binary`);
}

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof BacapError && e.code === code, `expected BacapError ${code}`);
}

function codeForGo(goError: string): string {
  const map: Record<string, string> = {
    'signature verification failed': 'BAD_SIGNATURE',
    'gcmsiv: decryption failure': 'DECRYPTION_FAILED',
    'gcmsiv: bad ciphertext length': 'BAD_CIPHERTEXT_LENGTH',
    'empty box, no message received': 'EMPTY_BOX',
    'reply does not match expected box ID': 'WRONG_BOX',
  };
  const code = map[goError];
  if (!code) throw new Error(`vector names an error this test does not know: ${goError}`);
  return code;
}

function flip(hex: string, byte: number): Uint8Array {
  const b = fromHex(hex);
  b[byte]! ^= 0x01;
  return b;
}

describe(`BACAP vectors (${FILE})`, () => {
  for (const [variantName, variant] of Object.entries(VARIANTS)) {
    const vv: Json = V.variants[variantName];
    describe(`variant ${variantName}`, () => {
      for (const cc of vv.cap_cases as Json[]) {
        describe(`cap case ${cc.name}`, () => {
          const wcap = WriteCap.fromBytes(fromHex(cc.write_cap));

          it(`${cc.name}: NewWriteCap from the RNG stream (v0.0.74 start rule) gives the same cap bytes`, () => {
            const gen = WriteCap.generate(streamRng(fromHex(cc.rng_stream)), 'v0.0.74');
            assert.equal(toHex(gen.toBytes()), cc.write_cap);
            assert.equal(toHex(gen.readCap().toBytes()), cc.read_cap);
          });

          it(`${cc.name}: cap encodings, root key and scalar round-trip`, () => {
            assert.equal(toHex(wcap.toBytes()), cc.write_cap);
            assert.equal(toHex(wcap.readCap().toBytes()), cc.read_cap);
            assert.equal(toHex(ReadCap.fromBytes(fromHex(cc.read_cap)).toBytes()), cc.read_cap);
            assert.equal(toHex(wcap.rootPublicKey), cc.root_public_key);
            assert.equal(toHex(fromHex(cc.write_cap).subarray(0, 32)), cc.root_seed);
            assert.equal(cc.root_private_key_go64, cc.root_seed + cc.root_public_key);
            assert.equal(toHex(sc32(rootScalar(fromHex(cc.root_seed)))), cc.root_secret_scalar_a);
            assertIndex(wcap.firstIndex, cc.first_index, 'first_index');
          });

          const rcapOfCase = ReadCap.fromBytes(fromHex(cc.read_cap));
          (cc.index_chain as Json[]).forEach((entry: Json, i: number) => {
            it(`${cc.name}: index_chain[${i}] (idx ${entry.idx}): index fields, raw box ID, per-context keys and box IDs for ${entry.contexts.length} contexts`, () => {
              // Reached by repeated NextIndex from the first index, as Go produced the chain.
              let m = wcap.firstIndex;
              for (let step = 0; step < i; step++) m = m.next();
              assertIndex(m, entry, `index_chain[${i}]`);
              assert.equal(toHex(rawBoxIdFor(rcapOfCase, m)), entry.box_id_raw_blinding_factor, `index_chain[${i}] raw box id`);
              for (const c of entry.contexts as Json[]) {
                const ctx = fromHex(c.ctx_hex);
                const what = `index_chain[${i}] ctx "${c.ctx_hex.slice(0, 16)}…"`;
                const { kCtx, eCtx } = contextKeys(m, ctx);
                assert.equal(toHex(kCtx), c.k_ctx, `${what} k_ctx`);
                assert.equal(toHex(eCtx), c.e_ctx, `${what} e_ctx`);
                const steps = blindingSteps(kCtx);
                assert.equal(toHex(steps.sha512_256), c.blind_factor_sha512_256, `${what} sha512_256`);
                assert.equal(toHex(steps.clamped), c.blind_factor_clamped, `${what} clamped`);
                assert.equal(toHex(sc32(steps.scalar)), c.blind_scalar_mod_l, `${what} mod L`);
                assert.equal(toHex(sc32(modL(steps.scalar * wcap.rootSecretScalar()))), c.blinded_private_scalar, `${what} s'`);
                assert.equal(toHex(boxIdFor(rcapOfCase, m, ctx)), c.box_id, `${what} box id from ReadCap`);
                assert.equal(toHex(boxIdFor(wcap, m, ctx)), c.box_id, `${what} box id from WriteCap`);
                assert.equal(toHex(ReadPosition.derive(rcapOfCase, m, ctx).boxId), c.box_id, `${what} box id of the ReadPosition`);
              }
            });
          });

          it(`${cc.name}: AdvanceIndexTo(first + 100)`, () => {
            const target = cc.advance_index_to_first_plus_100;
            assertIndex(wcap.firstIndex.advanceTo(BigInt(target.idx)), target, 'advance +100');
          });

          for (const msg of cc.messages as Json[]) {
            it(`${cc.name}: message "${msg.label}": box ID, AEAD inputs, ciphertext, signature, decrypt, verify, tampering`, () => {
              const m = wcap.firstIndex.advanceTo(BigInt(msg.idx));
              const ctx = fromHex(msg.ctx_hex);
              const pt = fromHex(msg.plaintext_hex);
              const box = encryptForContext(wcap, m, ctx, pt, variant);
              assert.equal(toHex(box.boxId), msg.box_id);
              assert.equal(toHex(contextKeys(m, ctx).eCtx), msg.aead_key_e_ctx);
              assert.equal(msg.aead_nonce, msg.box_id.slice(0, variant === 'nonce12' ? 24 : 32));
              assert.equal(msg.aead_aad, msg.box_id);
              assert.equal(toHex(box.ciphertext), msg.ciphertext);
              assert.equal(toHex(box.signature), msg.signature);
              assert.equal(toHex(sc32(blindedSignNonce(BigInt('0x' + Buffer.from(fromHex(msg.signing_scalar)).reverse().toString('hex')), box.ciphertext))), msg.signature_nonce_r_mod_l);
              const rcap = wcap.readCap();
              const opened = openForContext(rcap, m, ctx, fromHex(msg.box_id), fromHex(msg.ciphertext), fromHex(msg.signature), variant);
              assert.equal(msg.decrypt.ok, true);
              assert.deepEqual(opened, { kind: 'message', plaintext: fromHex(msg.decrypt.plaintext_hex) });
              assert.equal(verifyBox(fromHex(msg.box_id), fromHex(msg.ciphertext), fromHex(msg.signature)), msg.verify_box.ok);
              const tc = msg.tampered_ciphertext;
              assert.equal(verifyBox(fromHex(msg.box_id), fromHex(tc.ciphertext), fromHex(msg.signature)), tc.verify_box_ok);
              assertCode(() => openForContext(rcap, m, ctx, fromHex(msg.box_id), fromHex(tc.ciphertext), fromHex(msg.signature), variant), codeForGo(tc.decrypt_err));
              const ts = msg.tampered_signature;
              assertCode(() => openForContext(rcap, m, ctx, fromHex(msg.box_id), fromHex(msg.ciphertext), fromHex(ts.signature), variant), codeForGo(ts.decrypt_err));
              const wc = msg.wrong_context_decrypt;
              // Go's DecryptForContext does not check the box; with the wrong context the AEAD fails.
              assertCode(() => decryptForContext(m, fromHex(wc.ctx_hex), fromHex(msg.box_id), fromHex(msg.ciphertext), fromHex(msg.signature), variant), codeForGo(wc.decrypt_err));
              // Our Open path refuses earlier: the wrong context derives another box.
              assertCode(() => openForContext(rcap, m, fromHex(wc.ctx_hex), fromHex(msg.box_id), fromHex(msg.ciphertext), fromHex(msg.signature), variant), 'WRONG_BOX');
            });
          }

          it(`${cc.name}: tombstone signature, decrypt, bad signature, tombstone signature over 1 byte`, () => {
            const t = cc.tombstone;
            const m = wcap.firstIndex.advanceTo(BigInt(t.idx));
            const ctx = fromHex(t.ctx_hex);
            const tomb = tombstoneFor(wcap, m, ctx);
            assert.equal(toHex(tomb.boxId), t.box_id);
            assert.equal(toHex(tomb.ciphertext), t.ciphertext);
            assert.equal(toHex(tomb.signature), t.signature);
            assert.equal(t.decrypt_err, null);
            assert.deepEqual(openForContext(wcap.readCap(), m, ctx, tomb.boxId, tomb.ciphertext, tomb.signature, variant), { kind: 'tombstone' });
            assert.equal(t.decrypt_plaintext_hex, '');
            assertCode(() => openForContext(wcap.readCap(), m, ctx, tomb.boxId, new Uint8Array(0), flip(t.signature, 5), variant), codeForGo(t.bad_signature_decrypt_err));
            assertCode(() => openForContext(wcap.readCap(), m, ctx, tomb.boxId, Uint8Array.of(0), tomb.signature, variant), codeForGo(t.tombstone_signature_with_1byte_ciphertext_err));
          });

          it(`${cc.name}: other decrypt errors (short ciphertext, ciphertext under another box ID)`, () => {
            const o = cc.other_decrypt_errors.validly_signed_5_byte_ciphertext;
            const m = wcap.firstIndex.advanceTo(BigInt(o.idx));
            const ctx = fromHex(cc.tombstone.ctx_hex);
            const signed = signBox(wcap, m, ctx, fromHex(o.ciphertext_hex));
            assert.equal(toHex(signed.boxId), o.box_id);
            assert.equal(toHex(signed.signature), o.signature);
            assertCode(() => openForContext(wcap.readCap(), m, ctx, fromHex(o.box_id), fromHex(o.ciphertext_hex), fromHex(o.signature), variant), codeForGo(o.decrypt_err));
            const first = cc.messages[0];
            assertCode(
              () => decryptForContext(m, ctx, fromHex(o.box_id), fromHex(first.ciphertext), fromHex(first.signature), variant),
              codeForGo(cc.other_decrypt_errors.ciphertext_checked_against_other_box_id.err),
            );
          });
        });
      }

      it(`${variantName}: stateful writer/reader CBOR before and after 3 messages, steps, reader errors`, () => {
        const st = vv.stateful;
        const cc = vv.cap_cases[0];
        const ctx = fromHex(st.ctx_hex);
        const wcap = WriteCap.fromBytes(fromHex(cc.write_cap));
        const writer = StatefulWriter.create(wcap, ctx, variant);
        const reader = StatefulReader.create(wcap.readCap(), ctx, variant);
        assert.equal(toHex(writer.toCbor()), st.writer_cbor_initial);
        assert.equal(toHex(reader.toCbor()), st.reader_cbor_initial);
        assert.equal(toHex(StatefulWriter.fromCbor(fromHex(st.writer_cbor_initial), variant).toCbor()), st.writer_cbor_initial);
        // PrepareNext is deterministic and does not advance.
        const p1 = writer.prepareNext(new TextEncoder().encode('x'));
        const p2 = writer.prepareNext(new TextEncoder().encode('x'));
        assert.equal(st.prepare_next_is_deterministic_and_non_advancing, toHex(p1.ciphertext) === toHex(p2.ciphertext) && toHex(writer.toCbor()) === st.writer_cbor_initial);
        for (const step of st.encrypt_next_steps as Json[]) {
          assert.equal(writer.next.idx, BigInt(step.idx));
          assert.equal(toHex(writer.nextBoxId()), step.box_id);
          const box = writer.encryptNext(new TextEncoder().encode(step.plaintext_utf8));
          assert.equal(toHex(box.boxId), step.box_id);
          assert.equal(toHex(box.ciphertext), step.ciphertext);
          assert.equal(toHex(box.signature), step.signature);
          assert.equal(toHex(reader.nextBoxId()), step.box_id);
          const opened = reader.decryptNext(box.boxId, box.ciphertext, box.signature);
          assert.equal(opened.kind === 'message' && new TextDecoder().decode(opened.plaintext), step.plaintext_utf8);
        }
        assert.equal(toHex(writer.toCbor()), st.writer_cbor_after_3);
        assert.equal(toHex(reader.toCbor()), st.reader_cbor_after_3);
        assert.equal(toHex(StatefulReader.fromCbor(fromHex(st.reader_cbor_after_3), variant).toCbor()), st.reader_cbor_after_3);
        const before = toHex(reader.toCbor());
        assertCode(() => reader.decryptNext(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64)), codeForGo(st.reader_errors.all_zero_box_id));
        assertCode(() => reader.decryptNext(fromHex(st.encrypt_next_steps[0].box_id), new Uint8Array(0), new Uint8Array(64)), codeForGo(st.reader_errors.unexpected_box_id));
        const next = writer.prepareNext(new TextEncoder().encode('m'));
        assertCode(() => reader.decryptNext(next.boxId, next.ciphertext, flip(toHex(next.signature), 0)), codeForGo(st.reader_errors.bad_signature_on_expected_box));
        assert.equal(toHex(reader.toCbor()), before, 'failed reads leave the reader unchanged');
      });

      for (const [i, s] of (vv.index_sampling as Json[]).entries()) {
        it(`${variantName}: index_sampling[${i}] (v0.0.74 rule) from rng ${s.rng_stream.slice(0, 8)}…`, () => {
          const m = MessageBoxIndex.create(streamRng(fromHex(s.hkdf_state_seed + s.idx_bytes)), 'v0.0.74');
          assert.equal(m.idx - 1n, BigInt(s.sum_mod_2 ?? s['sum_mod_2^64']));
          assertIndex(m, s.resulting_first_index, 'resulting_first_index');
        });
      }

      it(`${variantName}: error cases`, () => {
        const e = vv.errors;
        const cc = vv.cap_cases[0];
        assertCode(() => MessageBoxIndex.fromBytes(new Uint8Array(103)), 'WRONG_LENGTH');
        assert.throws(() => MessageBoxIndex.fromBytes(new Uint8Array(105)), (x: unknown) => x instanceof BacapError && x.goMessage === e.message_box_index_unmarshal_wrong_size);
        assert.throws(() => WriteCap.fromBytes(new Uint8Array(167)), (x: unknown) => x instanceof BacapError && x.goMessage === e.write_cap_unmarshal_wrong_size);
        assert.throws(() => ReadCap.fromBytes(new Uint8Array(137)), (x: unknown) => x instanceof BacapError && x.goMessage === e.read_cap_unmarshal_wrong_size);
        const first = WriteCap.fromBytes(fromHex(cc.write_cap)).firstIndex;
        assert.throws(() => first.advanceTo(first.idx - 1n), (x: unknown) => x instanceof BacapError && x.goMessage === e.advance_index_backwards);
        const last = MessageBoxIndex.fromParts((1n << 64n) - 1n, new Uint8Array(32), new Uint8Array(32), new Uint8Array(32));
        assert.throws(() => last.next(), (x: unknown) => x instanceof BacapError && x.goMessage === e['next_index_at_2^64-1']);
        assert.equal(first.advanceTo(first.idx) === first, e.advance_index_to_same_returns_same_object);
        assert.throws(() => StatefulReader.create(null as never, new Uint8Array(0)), TypeError); // Go: "urcap is nil"
        assert.ok(e.new_stateful_reader_nil_cap);
        assert.throws(() => StatefulReader.fromCbor(new Uint8Array(0)), (x: unknown) => x instanceof BacapError && x.goMessage === e.stateful_reader_from_empty_bytes);
        assert.throws(() => StatefulReader.fromCbor(null as never), TypeError); // Go: "data is nil"
        // Go decodes {} to an all-zero writer without error (the vector's null); we require all four keys.
        assert.equal(e.stateful_writer_from_empty_cbor_map, null);
        assertCode(() => StatefulWriter.fromCbor(Uint8Array.of(0xa0)), 'MISSING_FIELD');
        const notAPoint = new Uint8Array(32).fill(0xff);
        notAPoint[31] = 0x7f;
        assert.equal(verifyBox(notAPoint.fill(0x02, 0, 1), new Uint8Array(0), new Uint8Array(64)), false);
        assert.equal(e.verify_box_invalid_point, 'signature verification failed');
      });
    });
  }

  describe('upstream newer features', () => {
    for (const [i, s] of (V.upstream_newer_features.index_sampling_fixed_rule as Json[]).entries()) {
      it(`index_sampling_fixed_rule[${i}] from rng ${s.rng_stream.slice(0, 8)}…`, () => {
        const rng = fromHex(s.rng_stream);
        const m = MessageBoxIndex.create(streamRng(rng.subarray(rng.length - 48)), 'fixed');
        assert.equal(m.idx - 1n, BigInt(s.sum));
        assertIndex(m, s.resulting_first_index, 'resulting_first_index');
      });
    }
    for (const [i, mk] of (V.upstream_newer_features.mutate_kdf_state as Json[]).entries()) {
      it(`mutate_kdf_state[${i}] with salt ${mk.salt_hex.slice(0, 8)}…`, () => {
        const after = idx(mk.index_before).mutateKdfState(fromHex(mk.salt_hex));
        assert.equal(toHex(after.toBytes()), mk.index_after);
        assert.equal(mk.hkdf_info_label, 'bacap-mutate-kdf-state-v1');
        const cc = V.variants.nonce12_hpqc_upstream_05aba58.cap_cases[0];
        const rcap = ReadCap.fromBytes(fromHex(cc.read_cap));
        assert.equal(toHex(boxIdFor(rcap, after, new TextEncoder().encode('pigeonhole context'))), mk.box_id_after_ctx_pigeonhole_context);
      });
    }
  });

  describe('primitives', () => {
    for (const [i, h] of (V.primitives.hkdf_blake2b512 as Json[]).entries()) {
      it(`hkdf_blake2b512[${i}] salt=${h.salt === null ? 'absent' : h.salt.slice(0, 8)} info=${h.info.slice(0, 8)} len=${h.length}`, () => {
        const out = hkdfBlake2b(fromHex(h.ikm), h.salt === null ? undefined : fromHex(h.salt), fromHex(h.info), h.length);
        assert.equal(toHex(out), h.okm);
      });
    }
    for (const [i, a] of (V.primitives.aes256_gcm_siv_agl_nonce16 as Json[]).entries()) {
      it(`aes256_gcm_siv_agl_nonce16[${i}] (plaintext ${a.plaintext.length / 2} bytes), RFC 8452 contrast`, () => {
        const aad = fromHex(a.aad);
        assert.equal(a.nonce16, a.aad.slice(0, 32), 'the vector feeds the box-ID-like AAD prefix as nonce');
        assert.equal(toHex(aeadSeal('nonce16', fromHex(a.key), aad, fromHex(a.plaintext))), a.ciphertext_bacap_nonce16);
        assert.equal(toHex(gcmsiv(fromHex(a.key), fromHex(a.nonce16).subarray(0, 12), aad).encrypt(fromHex(a.plaintext))), a.ciphertext_rfc8452_nonce12_for_contrast);
      });
    }
    it('ed25519_blinding: factor, blinded scalar and key, blinded signature', () => {
      const b = V.primitives.ed25519_blinding;
      const steps = blindingSteps(fromHex(b.factor_hex));
      assert.equal(toHex(steps.sha512_256), b.factor_sha512_256);
      assert.equal(toHex(steps.clamped), b.factor_clamped);
      assert.equal(toHex(sc32(steps.scalar)), b.factor_scalar_mod_l);
      const s = modL(steps.scalar * rootScalar(fromHex(b.seed)));
      assert.equal(toHex(sc32(s)), b.blinded_private_scalar);
      const pub = scalarMultBase(s);
      assert.equal(toHex(pub), b.blinded_public_key);
      assert.equal(toHex(blindedSign(s, pub, fromHex(b.message_hex))), b.blinded_signature);
      assert.equal(verifyBox(pub, fromHex(b.message_hex), fromHex(b.blinded_signature)), true);
      assert.equal(verifyBox(pub, fromHex(b.message_hex), fromHex(b.standard_ed25519_signature_of_root_key_for_contrast)), false);
    });
  });

  describe('upstream official subset', () => {
    const sub = V.upstream_official_subset;
    const builds: Record<string, AeadVariant> = { 'result_with_v0.0.74_nonce16_build': 'nonce16', result_with_05aba58_nonce12_build: 'nonce12' };
    for (const [build, variant] of Object.entries(builds)) {
      for (const vec of sub.vectors.encrypt as Json[]) {
        it(`${build}: encrypt ${vec.name}`, () => {
          const expected = (sub[build].encrypt as Json[]).find((r) => r.name === vec.name);
          const wcap = WriteCap.fromBytes(fromHex(vec.writecap_hex));
          const m = wcap.firstIndex.advanceTo(wcap.firstIndex.idx + BigInt(vec.advance_by));
          const ctx = fromHex(vec.ctx_hex);
          const box = encryptForContext(wcap, m, ctx, fromHex(vec.plaintext_hex), variant);
          assert.equal(toHex(box.boxId) === vec.expected_box_id_hex, expected.box_id_matches);
          assert.equal(toHex(box.ciphertext) === vec.expected_ciphertext_hex, expected.ciphertext_matches);
          assert.equal(toHex(box.signature) === vec.expected_signature_hex, expected.signature_matches);
          const open = () => openForContext(wcap.readCap(), m, ctx, fromHex(vec.expected_box_id_hex), fromHex(vec.expected_ciphertext_hex), fromHex(vec.expected_signature_hex), variant);
          if (expected.decrypt_upstream_box_ok) assert.deepEqual(open(), { kind: 'message', plaintext: fromHex(vec.plaintext_hex) });
          else assertCode(open, codeForGo(expected.decrypt_upstream_box_err));
        });
      }
      for (const vec of sub.vectors.mutate as Json[]) {
        it(`${build}: mutate ${vec.name}`, () => {
          const expected = (sub[build].mutate as Json[]).find((r) => r.name === vec.name);
          const wcap = WriteCap.fromBytes(fromHex(vec.writecap_hex));
          const m = wcap.firstIndex.advanceTo(wcap.firstIndex.idx + BigInt(vec.advance_by)).mutateKdfState(fromHex(vec.salt_hex));
          assert.equal(toHex(m.toBytes()) === vec.expected_mutated_index_hex, expected.mutated_index_matches);
          assert.equal(toHex(ReadPosition.derive(wcap.readCap(), m, fromHex(vec.read_ctx_hex)).boxId) === vec.expected_mutated_box_id_hex, expected.mutated_box_id_matches);
        });
      }
    }
  });
});
