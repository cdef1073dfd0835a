import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { WriteCap } from '../../../src/bacap/index.js';
import { Secret } from '../../../src/config/index.js';
import { KnownSecrets, Logger, isSecretKey, redact, redactText } from '../../../src/observability/index.js';
import { assertNoSecrets, scanForSecrets, type SecretToFind } from '../../support/secret-scan.js';

function capture(options: { json?: boolean } = {}): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = Logger.create({ level: 'debug', json: options.json ?? false, sink: (l) => lines.push(l), now: () => new Date(0) });
  return { log, lines };
}

describe('observability: redaction', () => {
  const capBytes = randomBytes(168); // WriteCap-sized (bacap.md §5.1: 168 bytes)
  const token = randomBytes(32).toString('base64url'); // as generate-registration makes them (43 chars)
  const hexCap = randomBytes(168).toString('hex');
  const secretToken = `syt_${randomBytes(24).toString('base64url')}`;
  const innerToken = randomBytes(32).toString('hex');
  const secrets: SecretToFind[] = [
    { label: 'cap bytes', value: capBytes },
    { label: 'token field', value: token },
    { label: 'hex cap', value: hexCap },
    { label: 'Secret value', value: secretToken },
    { label: 'cause token', value: innerToken },
    // Secrets that look like ordinary text: only the key-name rule can catch these.
    { label: 'password', value: 'correct horse battery staple' },
    { label: 'plain as_token', value: 'plain-looking-token-value' },
    { label: 'cause access_token', value: 'cause-token-in-plain-words' },
  ];

  for (const json of [false, true]) {
    it(`keeps every kind of secret out of ${json ? 'JSON' : 'text'} lines and leaves ordinary text alone`, () => {
      const { log, lines } = capture({ json });
      const cause = Object.assign(new Error(`homeserver refused ${innerToken}`), { code: 'M_UNKNOWN_TOKEN', token: innerToken, access_token: 'cause-token-in-plain-words' });
      log.info(`sealed with cap ${hexCap} for portal lounge`, {
        cap: capBytes,
        access: token,
        as_token: 'plain-looking-token-value',
        irc: { libera: { password: 'correct horse battery staple' } },
        config: { homeserver: { appservice: { hs_token: new Secret(secretToken, { kind: 'inline' }) } }, nested: [new Secret(secretToken, { kind: 'env', variable: 'X' })] },
        payload: Buffer.from(capBytes),
        err: new Error('delivery failed', { cause }),
        note: 'Alice said hello to the lounge; see /var/lib/katzenbridge/katzenbridge.db',
      });
      assert.equal(lines.length, 1);
      const line = lines[0]!;
      assertNoSecrets(line, secrets, 'the log line');
      assert.ok(line.includes('Alice said hello to the lounge; see /var/lib/katzenbridge/katzenbridge.db'), line);
      assert.ok(line.includes('for portal lounge'), line);
      assert.ok(line.includes('M_UNKNOWN_TOKEN'), 'the cause code is kept');
      assert.ok(line.includes('delivery failed') && line.includes('homeserver refused'), 'the cause chain is kept');
      assert.ok(line.includes('[secret]'), 'a Secret prints as its placeholder');
      assert.match(line, /\[bytes:168#[0-9a-f]{6}\]/);
      assert.match(line, /\[hex:336#[0-9a-f]{6}\]/);
    });
  }

  it('shows a real WriteCap as its toJSON placeholder, under any field name', () => {
    const cap = WriteCap.generate();
    const { log, lines } = capture({ json: true });
    log.info('stream.created', { stream: cap, list: [cap], deep: { a: { b: cap } } });
    assertNoSecrets(lines[0]!, [{ label: 'write cap', value: cap.toBytes() }, { label: 'seed', value: cap.toBytes().subarray(0, 32) }]);
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(parsed['stream'], '[WriteCap]');
    assert.deepEqual(parsed['list'], ['[WriteCap]']);
  });

  it('classifies key names by word: token/secret/password/cap/key yes, keys/capacity/key_file no', () => {
    for (const k of ['token', 'as_token', 'hsToken', 'write_cap', 'writeCap', 'readCap', 'password', 'api-key', 'key', 'secret', 'seed', 'voucher']) {
      assert.equal(isSecretKey(k), true, k);
    }
    for (const k of ['keys', 'capacity', 'key_file', 'token_source', 'portal', 'member', 'applied', 'tokenize']) {
      assert.equal(isSecretKey(k), false, k);
    }
  });

  it('masks long hex and mixed-case base64 runs in free text but not words, paths, ids or short hex', () => {
    const key64 = randomBytes(32).toString('hex');
    const b64 = randomBytes(33).toString('base64');
    assert.doesNotMatch(redactText(`key ${key64} end`), new RegExp(key64));
    assert.doesNotMatch(redactText(`blob ${b64} end`), new RegExp(b64.replace(/[+/]/g, '.')));
    const ordinary = [
      'portal lounge linked to !abcdef:example.org by @alice:example.org',
      'box 0f3a9c1b2d4e5f60 written',
      'event $Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg delivered',
      'file /var/lib/katzenbridge/state/secrets.key mode 0600',
      'internationalizationalization_and_other_very_long_words_in_lowercase_only',
    ];
    for (const s of ordinary) assert.equal(redactText(s), s);
  });

  it('fingerprints a masked run the same way each time, so lines can be matched up', () => {
    const k = randomBytes(32).toString('hex');
    assert.equal(redactText(`a ${k}`).slice(2), redactText(`b ${k}`).slice(2));
    assert.notEqual(redactText(k), redactText(randomBytes(32).toString('hex')));
  });

  it('shows short byte arrays as hex and masks anything longer than 16 bytes', () => {
    assert.equal(redact(Uint8Array.from([1, 2, 255])), '[bytes:3 0102ff]');
    assert.match(String(redact(randomBytes(32))), /^\[bytes:32#[0-9a-f]{6}\]$/);
    assert.match(String(redact(randomBytes(200).buffer)), /^\[bytes:\d+#/);
  });

  it('scrubs known secrets in raw, hex and base64 form from messages and fields', () => {
    const known = new KnownSecrets();
    const tok = 'hunter2-but-longer';
    known.add(tok);
    const lines: string[] = [];
    const log = Logger.create({ sink: (l) => lines.push(l), knownSecrets: known });
    log.child({ component: 'matrix' }).warn(`login with ${tok} failed`, {
      header: `Bearer ${Buffer.from(tok).toString('base64')}`,
      hex: Buffer.from(tok).toString('hex'),
    });
    assertNoSecrets(lines.join('\n'), [{ label: 'tok', value: tok }]);
    assert.equal(known.add('short'), false, 'too short to scrub by value, and no exception');
    const line = lines.length;
    log.info('a short word in prose');
    assert.match(lines[line]!, /a short word in prose/);
    assert.throws(() => known.add(42 as unknown as string), TypeError);
  });

  it('survives cycles, throwing toJSON, deep nesting and huge arrays', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    const bad = { toJSON() { throw new Error('nope'); } };
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { deep };
    const getter = { get boom(): string { throw new Error('lazy'); } };
    const out = JSON.stringify(redact({ a, bad, deep, many: new Array(1000).fill(1), getter }));
    assert.match(out, /"getter":"\[unprintable\]"/);
    assert.match(out, /\[circular\]/);
    assert.match(out, /\[unprintable\]/);
    assert.match(out, /\[too deep\]/);
    assert.match(out, /…\(1000 items\)/);
  });

  it('renders an error as name, code, typed fields and cause chain, never its stack', () => {
    const inner = Object.assign(new Error('socket closed'), { code: 'ECONNRESET' });
    const outer = Object.assign(new Error('send failed', { cause: inner }), { code: 'daemon_gone', field: 'send_message' });
    const { log, lines } = capture();
    log.error('katzenpost.send_failed', { err: outer });
    assert.match(lines[0]!, /err="Error\[daemon_gone\]: send failed \(field=send_message\) <- Error\[ECONNRESET\]: socket closed"/);
    assert.doesNotMatch(lines[0]!, /at .*\.js:\d+/);
    // The helper itself finds leaks in every spelling it promises.
    const s = randomBytes(40);
    const spellings = [s.toString('hex'), s.toString('hex').toUpperCase(), s.toString('base64'), s.toString('base64url'), `x${s.toString('base64').slice(0, 30)}`];
    for (const text of spellings) assert.ok(scanForSecrets(`log: ${text} end`, [{ label: 's', value: s }]).length > 0, text);
  });
});
