import { strict as assert } from 'node:assert';
import { Database, StoreError } from '../../../src/store/index.js';

describe('store: Database (promise wrapper over sqlite3)', () => {
  let db: Database;
  beforeEach(async () => {
    db = await Database.open(':memory:');
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE, b BLOB)');
  });
  afterEach(() => db.close());

  it('runs, gets and lists rows with bound parameters, blobs included', async () => {
    const r = await db.run('INSERT INTO t (v, b) VALUES (?, ?)', ['a', new Uint8Array([1, 2, 3])]);
    assert.deepEqual(r, { lastId: 1, changes: 1 });
    await db.run('INSERT INTO t (v) VALUES ($v)', { $v: 'b' });
    const row = await db.get<{ v: string; b: Uint8Array }>('SELECT v, b FROM t WHERE id = ?', [1]);
    assert.equal(row?.v, 'a');
    assert.deepEqual([...row!.b], [1, 2, 3]);
    assert.equal(await db.get('SELECT * FROM t WHERE id = 99'), undefined);
    assert.deepEqual((await db.all<{ v: string }>('SELECT v FROM t ORDER BY v')).map((x) => x.v), ['a', 'b']);
  });

  it('rejects with the SQLite error and keeps working', async () => {
    await db.run('INSERT INTO t (v) VALUES (?)', ['a']);
    await assert.rejects(db.run('INSERT INTO t (v) VALUES (?)', ['a']), /UNIQUE constraint failed/);
    assert.equal((await db.all('SELECT * FROM t')).length, 1);
  });

  it('commits a transaction that resolves', async () => {
    const id = await db.transaction(async (tx) => (await tx.run('INSERT INTO t (v) VALUES (?)', ['x'])).lastId);
    assert.equal(id, 1);
    assert.equal((await db.all('SELECT * FROM t')).length, 1);
  });

  it('rolls back a transaction that throws, and rethrows', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t (v) VALUES (?)', ['x']);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await db.all('SELECT * FROM t'), []);
  });

  it('queues other callers behind a transaction instead of interleaving them', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.run('INSERT INTO t (v) VALUES (?)', ['in-tx']);
      await gate;
      throw new Error('rollback');
    });
    // Issued while the transaction is open: must not land inside it (and be rolled back with it).
    const outside = db.run('INSERT INTO t (v) VALUES (?)', ['outside']);
    await new Promise((r) => setTimeout(r, 20));
    release();
    await assert.rejects(tx, /rollback/);
    await outside;
    assert.deepEqual((await db.all<{ v: string }>('SELECT v FROM t')).map((x) => x.v), ['outside']);
  });

  it('refuses a transaction handle used after the transaction ended', async () => {
    let leaked: Parameters<Parameters<Database['transaction']>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await assert.rejects(leaked!.run('INSERT INTO t (v) VALUES (?)', ['late']), TypeError);
  });

  it('refuses calls after close', async () => {
    await db.close();
    await assert.rejects(db.get('SELECT 1'), /closed/);
    db = await Database.open(':memory:');
  });

  it('turns on foreign keys for every connection', async () => {
    const row = await db.get<{ foreign_keys: number }>('PRAGMA foreign_keys');
    assert.equal(row?.foreign_keys, 1);
  });

  it('checks its arguments', async () => {
    await assert.rejects(Database.open(''), TypeError);
  });

  it('names the path when the database cannot be opened', async () => {
    await assert.rejects(
      Database.open('/nonexistent-kb-folder/kb.db'),
      (e: unknown) => e instanceof StoreError && e.code === 'database_unavailable' && /\/nonexistent-kb-folder\/kb\.db \(SQLITE_CANTOPEN\)/.test(e.message),
    );
  });
});
