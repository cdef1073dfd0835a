import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, SecretBox, StoreError } from '../../../src/store/index.js';

const isStoreError = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;
const bytes = (s: string) => new TextEncoder().encode(s);

describe('store: SecretBox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('derives one key per purpose: stable for a key and purpose, unrelated across purposes and keys', () => {
    const key = new Uint8Array(32).fill(3);
    const a = new SecretBox(key);
    const media = a.deriveKey('irc media links');
    assert.equal(media.length, 32);
    assert.deepEqual(new SecretBox(key).deriveKey('irc media links'), media);
    assert.notDeepEqual(a.deriveKey('something else'), media);
    assert.notDeepEqual(new SecretBox(new Uint8Array(32).fill(4)).deriveKey('irc media links'), media);
    assert.notDeepEqual(media, key);
    assert.throws(() => a.deriveKey(''), TypeError);
  });

  it('creates a missing key file: 32 bytes, mode 0600', () => {
    const path = join(dir, 'secrets.key');
    SecretBox.fromKeyFile(path);
    const st = statSync(path);
    assert.equal(st.size, 32);
    assert.equal(st.mode & 0o777, 0o600);
  });

  it('reopens an existing key file, so sealed values survive a restart', () => {
    const path = join(dir, 'secrets.key');
    const sealed = SecretBox.fromKeyFile(path).seal(bytes('write cap'), 'puppet:g:@a:x:write_cap');
    const key = readFileSync(path);
    const again = SecretBox.fromKeyFile(path);
    assert.deepEqual(readFileSync(path), key, 'the key file must not be rewritten');
    assert.deepEqual(again.open(sealed, 'puppet:g:@a:x:write_cap'), bytes('write cap'));
  });

  for (const mode of [0o640, 0o604, 0o620, 0o644]) {
    it(`refuses a key file with mode ${mode.toString(8)} (group/others have access)`, () => {
      const path = join(dir, 'secrets.key');
      writeFileSync(path, new Uint8Array(32));
      chmodSync(path, mode);
      assert.throws(() => SecretBox.fromKeyFile(path), (e: unknown) => isStoreError('key_file_permissions')(e) && /chmod 600/.test((e as Error).message));
    });
  }

  it('refuses a key file of the wrong size, and does not replace it', () => {
    const path = join(dir, 'secrets.key');
    writeFileSync(path, new Uint8Array(31), { mode: 0o600 });
    assert.throws(() => SecretBox.fromKeyFile(path), (e: unknown) => isStoreError('key_file_invalid')(e) && /31 bytes, not 32/.test((e as Error).message));
    assert.equal(statSync(path).size, 31);
  });

  it('refuses a key path that is a folder, or whose folder is missing', () => {
    assert.throws(() => SecretBox.fromKeyFile(dir), isStoreError('key_file_invalid'));
    assert.throws(() => SecretBox.fromKeyFile(join(dir, 'missing', 'secrets.key')), isStoreError('key_file_invalid'));
  });

  it('seals with a fresh nonce each time and opens only under the same key and context', () => {
    const box = new SecretBox(new Uint8Array(32).fill(7));
    const a = box.seal(bytes('cap'), 'ctx');
    const b = box.seal(bytes('cap'), 'ctx');
    assert.notDeepEqual(a, b);
    assert.equal(a.length, 1 + 24 + 3 + 16);
    assert.equal(a[0], 1);
    assert.deepEqual(box.open(a, 'ctx'), bytes('cap'));
    assert.throws(() => box.open(a, 'other-row'), isStoreError('secret_box_open'));
    assert.throws(() => new SecretBox(new Uint8Array(32).fill(8)).open(a, 'ctx'), isStoreError('secret_box_open'));
    const tampered = Uint8Array.from(a);
    tampered[30]! ^= 1;
    assert.throws(() => box.open(tampered, 'ctx'), isStoreError('secret_box_open'));
    assert.throws(() => box.open(a.subarray(0, 20), 'ctx'), isStoreError('secret_box_open'));
    const otherVersion = Uint8Array.from(a);
    otherVersion[0] = 2;
    assert.throws(() => box.open(otherVersion, 'ctx'), isStoreError('secret_box_open'));
  });

  it('keeps secrets out of error messages', () => {
    const box = new SecretBox(new Uint8Array(32).fill(7));
    const sealed = box.seal(bytes('TOPSECRETCAP'), 'ctx');
    try {
      box.open(sealed, 'wrong');
      assert.fail('expected a StoreError');
    } catch (e) {
      assert.ok(!(e as Error).message.includes('TOPSECRETCAP'));
    }
  });

  it('checks its arguments: TypeError for the wrong kind, RangeError for the wrong length', () => {
    assert.throws(() => new SecretBox(new Uint8Array(16)), RangeError);
    assert.throws(() => new SecretBox('k'.repeat(32) as unknown as Uint8Array), TypeError);
    const box = new SecretBox(new Uint8Array(32));
    assert.throws(() => box.seal('x' as unknown as Uint8Array, 'ctx'), TypeError);
    assert.throws(() => box.seal(bytes('x'), ''), TypeError);
    assert.throws(() => box.open(bytes('x'), ''), TypeError);
    assert.throws(() => SecretBox.fromKeyFile(''), TypeError);
  });

  it('openStore refuses a bad key file before creating the database', async () => {
    const key = join(dir, 'secrets.key');
    writeFileSync(key, new Uint8Array(32));
    chmodSync(key, 0o644);
    const dbPath = join(dir, 'kb.db');
    await assert.rejects(openStore({ databasePath: dbPath, keyFile: key }), isStoreError('key_file_permissions'));
    assert.equal(existsSync(dbPath), false);
  });

  it('openStore creates the key, migrates the database and opens sealed values', async () => {
    const store = await openStore({ databasePath: join(dir, 'kb.db'), keyFile: join(dir, 'secrets.key') });
    try {
      assert.ok(store.migration.applied.length >= 1);
      const sealed = store.secrets.seal(bytes('cap'), 'puppet:g:u:write_cap');
      await store.db.run("INSERT INTO portals (group_id, name, join_policy, group_sealed, created_at) VALUES ('g', 'G', 'auto', ?, 1)", [sealed]);
      const row = await store.db.get<{ group_sealed: Uint8Array }>('SELECT group_sealed FROM portals');
      assert.deepEqual(store.secrets.open(new Uint8Array(row!.group_sealed), 'puppet:g:u:write_cap'), bytes('cap'));
    } finally {
      await store.close();
    }
  });
});
