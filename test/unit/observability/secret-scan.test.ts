import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { WINDOW_BYTES, assertNoSecrets, scanForSecrets } from '../../support/secret-scan.js';

// The helper later end-to-end tests grep whole runs' logs with; a scanner that misses a spelling
// would make those tests pass for the wrong reason, so each spelling is checked here.
describe('test support: secret-scan', () => {
  const cap = randomBytes(168);
  const secrets = [{ label: 'write cap', value: cap }];
  const spellings: Array<[string, string, string]> = [
    ['hex', 'hex', cap.toString('hex')],
    ['upper-case hex', 'hex', cap.toString('hex').toUpperCase()],
    ['hex of the 32-byte seed alone', 'hex', cap.subarray(0, 32).toString('hex')],
    ['colon-separated hex', 'hex', [...cap.subarray(40, 60)].map((b) => b.toString(16).padStart(2, '0')).join(':')],
    ['util.inspect of a Buffer', 'hex', inspect(cap)],
    ['base64', 'base64', cap.toString('base64')],
    ['base64url', 'base64', cap.toString('base64url')],
    ['base64 of a slice at an odd offset', 'base64', cap.subarray(7, 50).toString('base64')],
    ['base64 glued to a field name', 'base64', `token=${cap.toString('base64')}`],
    ['util.inspect of a Uint8Array', 'decimal', inspect(new Uint8Array(cap))],
    ['JSON of a Buffer', 'decimal', JSON.stringify(cap)],
    ['JSON of a Uint8Array', 'decimal', JSON.stringify(new Uint8Array(cap))],
    ['raw latin1 bytes', 'raw', cap.toString('latin1')],
  ];
  for (const [what, form, text] of spellings) {
    it(`finds a cap written as ${what}`, () => {
      const findings = scanForSecrets(`2026 INFO something happened ${text} end\n`, secrets);
      assert.ok(findings.some((f) => f.form === form && f.label === 'write cap'), JSON.stringify(findings));
    });
  }

  it('finds a text token raw, in part, and in hex/base64 of its UTF-8', () => {
    const token = randomBytes(32).toString('base64url');
    const s = [{ label: 'as_token', value: token }];
    for (const text of [`Bearer ${token}`, `prefix ${token.slice(5, 5 + WINDOW_BYTES)}`, Buffer.from(token).toString('hex'), Buffer.from(token).toString('base64')]) {
      assert.ok(scanForSecrets(text, s).length > 0, text);
    }
  });

  it('reports nothing for unrelated text, other random bytes, or a slice shorter than the window', () => {
    const text = [
      '2026-11-22T13:00:00.000Z INFO  delivery.done portal=lounge ms=12',
      randomBytes(168).toString('hex'),
      randomBytes(168).toString('base64'),
      cap.subarray(0, WINDOW_BYTES - 1).toString('hex'),
      '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]',
    ].join('\n');
    assert.deepEqual(scanForSecrets(text, secrets), []);
    assert.doesNotThrow(() => assertNoSecrets(text, secrets));
  });

  it('fails with labels, forms and offsets but never the secret itself', () => {
    const text = `leak: ${cap.toString('hex')}`;
    assert.throws(() => assertNoSecrets(text, secrets, 'captured log'), (e: Error) => {
      assert.match(e.message, /captured log contains 1 secret leak\(s\):\n {2}write cap as hex at offset 6/);
      assert.doesNotMatch(e.message, new RegExp(cap.subarray(0, 8).toString('hex')));
      return true;
    });
  });
});
