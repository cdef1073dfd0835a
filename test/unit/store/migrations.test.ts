import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, loadMigrations, migrate, schemaVersion, StoreError } from '../../../src/store/index.js';
import { repoPath } from '../../support/paths.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kb-migrations-'));
}

function dirWith(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const isStoreError = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

describe('store: migrations', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const track = (d: string) => (dirs.push(d), d);

  it('the shipped migrations are numbered from 001 without gaps and each says why', () => {
    const files = readdirSync(repoPath('src/store/migrations')).sort();
    const migs = loadMigrations();
    assert.equal(migs.length, files.length);
    migs.forEach((m, i) => {
      assert.equal(m.version, i + 1);
      assert.ok(m.why.length > 20, `${m.file}: the why-line is too short`);
    });
  });

  it('bring a new database to the newest version, and a second run applies nothing', async () => {
    const db = await Database.open(':memory:');
    try {
      const first = await migrate(db);
      const latest = loadMigrations().length;
      assert.deepEqual([first.from, first.to], [0, latest]);
      assert.equal(first.applied[0], '001-initial-tables.sql');
      assert.equal(await schemaVersion(db), latest);
      const tables = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((t) => t.name);
      for (const t of ['inbox', 'join_requests', 'outbox', 'portals', 'puppets', 'ghosts', 'stream_cursors']) assert.ok(tables.includes(t), t);
      const again = await migrate(db);
      assert.deepEqual(again.applied, []);
    } finally {
      await db.close();
    }
  });

  it('refuse a database whose schema is newer than the code, leaving it untouched', async () => {
    const db = await Database.open(':memory:');
    try {
      const latest = loadMigrations().length;
      await db.exec(`CREATE TABLE future (x); PRAGMA user_version = ${latest + 1}`);
      await assert.rejects(migrate(db), (e: unknown) => isStoreError('schema_too_new')(e) && /version \d+, newer than this katzenbridge knows/.test((e as Error).message));
      assert.equal(await schemaVersion(db), latest + 1);
      assert.equal((await db.all("SELECT name FROM sqlite_master WHERE name = 'portals'")).length, 0);
    } finally {
      await db.close();
    }
  });

  it('roll back a failing migration whole and keep the last good version', async () => {
    const dir = track(dirWith({
      '001-first.sql': '-- why: a first table\nCREATE TABLE a (x);',
      '002-broken.sql': '-- why: a second table, then a typo\nCREATE TABLE b (x);\nCREATE TABLEX c (x);',
    }));
    const db = await Database.open(':memory:');
    try {
      await assert.rejects(migrate(db, loadMigrations(dir)), (e: unknown) => isStoreError('migration_failed')(e) && /002-broken\.sql/.test((e as Error).message));
      assert.equal(await schemaVersion(db), 1);
      assert.deepEqual((await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => r.name), ['a']);
    } finally {
      await db.close();
    }
  });

  it('persist across reopening a database file', async () => {
    const dir = track(tempDir());
    const path = join(dir, 'kb.db');
    const db1 = await Database.open(path);
    await migrate(db1);
    await db1.run("INSERT INTO portals (group_id, name, join_policy, group_sealed, created_at) VALUES ('g1', 'G', 'approval', x'00', 1)");
    await db1.close();
    const db2 = await Database.open(path);
    try {
      assert.deepEqual((await migrate(db2)).applied, []);
      assert.equal((await db2.get<{ name: string }>("SELECT name FROM portals WHERE group_id = 'g1'"))?.name, 'G');
    } finally {
      await db2.close();
    }
  });

  describe('refuse a malformed migrations folder', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a gap in the numbers', { '001-a.sql': '-- why a\n', '003-c.sql': '-- why c\n' }, /003-c\.sql: expected migration number 002/],
      ['a bad file name', { '001-a.sql': '-- why a\n', '2-b.sql': '-- why b\n' }, /2-b\.sql: name migrations NNN-/],
      ['no why-line', { '001-a.sql': 'CREATE TABLE a (x);\n' }, /001-a\.sql: the first line must be a "-- " comment/],
      ['not starting at 001', { '002-a.sql': '-- why\n' }, /expected migration number 001/],
    ];
    for (const [title, files, message] of cases) {
      it(title, () => {
        const dir = track(dirWith(files));
        assert.throws(() => loadMigrations(dir), (e: unknown) => isStoreError('migration_invalid')(e) && message.test((e as Error).message));
      });
    }
  });

  describe('001-initial-tables', () => {
    let db: Database;
    beforeEach(async () => {
      db = await Database.open(':memory:');
      await migrate(db);
      await db.run("INSERT INTO portals (group_id, name, join_policy, group_sealed, created_at) VALUES ('g', 'G', 'auto', x'00', 1)");
    });
    afterEach(() => db.close());

    it('deduplicates the outbox by dedup key', async () => {
      const add = () => db.run("INSERT INTO outbox (group_id, user_id, dedup_key, payload, created_at) VALUES ('g', '@a:x', 'matrix:$ev1', x'01', 1)");
      await add();
      await assert.rejects(add(), /UNIQUE constraint failed: outbox\.dedup_key/);
    });

    it('deduplicates the inbox by (stream, index)', async () => {
      const add = (txn: string) => db.run("INSERT INTO inbox (group_id, member_id, box_index, payload, matrix_txn_id, created_at) VALUES ('g', 'm1', x'0102', x'01', ?, 1)", [txn]);
      await add('t1');
      await assert.rejects(add('t2'), /UNIQUE constraint failed/);
    });

    it('allows one pending join request per requester and group', async () => {
      const add = (state: string) => db.run("INSERT INTO join_requests (group_id, source, requester, display_name, state, created_at) VALUES ('g', 'matrix', '@a:x', 'A', ?, 1)", [state]);
      await add('denied');
      await add('pending');
      await assert.rejects(add('pending'), /UNIQUE constraint failed/);
    });

    it('removes a portal’s rows with it (foreign keys cascade)', async () => {
      await db.run("INSERT INTO puppets (group_id, user_id, display_name, write_cap_sealed) VALUES ('g', '@a:x', 'A', x'00')");
      await db.run("DELETE FROM portals WHERE group_id = 'g'");
      assert.deepEqual(await db.all('SELECT * FROM puppets'), []);
    });

    it('keeps its first line a why-comment', () => {
      assert.match(readFileSync(repoPath('src/store/migrations/001-initial-tables.sql'), 'utf8').split('\n')[0]!, /^-- \S/);
    });
  });
});
