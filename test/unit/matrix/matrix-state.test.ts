import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatrixState } from '../../../src/matrix/index.js';
import { TRANSACTION_MEMORY_MS, TRANSACTION_PRUNE_INTERVAL_MS } from '../../../src/matrix/matrix-state.js';
import { migratedMemoryDb } from '../../support/memory-db.js';
import { Database, loadMigrations, migrate, openStore, schemaVersion } from '../../../src/store/index.js';

// The Matrix frontend's tables come from migration 004; databases where src/matrix created them
// itself (before 004) upgrade in place with their rows.

/** What MatrixState.open ran on every start before migration 004 (src/matrix/matrix-state.ts at
 *  e427b96^), kept verbatim as the old code path's schema. */
const OLD_AD_HOC_SCHEMA = `
CREATE TABLE IF NOT EXISTS matrix_transactions (
  txn_id  TEXT PRIMARY KEY,
  done_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS matrix_admin_rooms (
  room_id    TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS matrix_encrypted_rooms (
  room_id  TEXT PRIMARY KEY,
  seen_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS matrix_ghost_users (
  ghost_id TEXT PRIMARY KEY,
  user_id  TEXT NOT NULL UNIQUE
);
`;

describe('matrix state tables (migration 004)', () => {
  it('upgrades a database whose Matrix tables were created before the migration, keeping their rows', async () => {
    const db = await Database.open(':memory:');
    try {
      const all = loadMigrations();
      const before = all.findIndex((m) => m.file.startsWith('004-'));
      assert.ok(before > 0, 'migration 004 exists');
      await migrate(db, all.slice(0, before));
      // What MatrixState.open used to run by itself:
      await db.exec('CREATE TABLE matrix_admin_rooms (room_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at INTEGER NOT NULL)');
      await db.run('INSERT INTO matrix_admin_rooms VALUES (?, ?, ?)', ['!dm:x', '@admin:x', 1]);
      const outcome = await migrate(db, all);
      assert.deepEqual(outcome.applied.map((f) => f.slice(0, 4)), all.slice(before).map((m) => m.file.slice(0, 4)));
      assert.equal(await schemaVersion(db), all.length);
      const state = await MatrixState.open(db);
      assert.equal(await state.isAdminRoom('!dm:x'), true);
      await state.markTransactionDone('t1:abc', 5);
      assert.equal(await state.transactionDone('t1:abc'), true);
    } finally {
      await db.close();
    }
  });

  it('upgrades a database file made by the old code path (all four tables, a row in each) through openStore, then opens it again unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-matrix-state-'));
    const databasePath = join(dir, 'kb.db');
    const keyFile = join(dir, 'secrets.key');
    try {
      // The old daemon: the store's migrations of its day, then MatrixState's ad hoc tables, in use.
      const all = loadMigrations();
      const old = all.filter((m) => m.file < '004-');
      const db = await Database.open(databasePath);
      await migrate(db, old);
      await db.exec(OLD_AD_HOC_SCHEMA);
      const now = Date.now();
      await db.run('INSERT INTO matrix_transactions VALUES (?, ?)', ['7:digest', now]);
      await db.run('INSERT INTO matrix_admin_rooms VALUES (?, ?, ?)', ['!dm:x', '@admin:x', now]);
      await db.run('INSERT INTO matrix_encrypted_rooms VALUES (?, ?)', ['!secret:x', now]);
      await db.run('INSERT INTO matrix_ghost_users VALUES (?, ?)', ['g1', '@kp_alice:x']);
      await db.close();

      // The new daemon starts on it.
      const store = await openStore({ databasePath, keyFile });
      try {
        assert.ok(store.migration.applied.some((f) => f.startsWith('004-')), `applied: ${store.migration.applied.join(', ')}`);
        assert.equal(await schemaVersion(store.db), all.length);
        const state = await MatrixState.open(store.db);
        assert.equal(await state.transactionDone('7:digest'), true);
        assert.equal(await state.isAdminRoom('!dm:x'), true);
        assert.equal(await state.isEncrypted('!secret:x'), true);
        assert.equal(await state.ghostUser('g1'), '@kp_alice:x');
        // The old constraints hold: one Matrix user per ghost.
        await assert.rejects(store.db.run('INSERT INTO matrix_ghost_users VALUES (?, ?)', ['g2', '@kp_alice:x']), /UNIQUE/);
        await state.setGhostUser('g2', '@kp_bob:x');
      } finally {
        await store.close();
      }
      const again = await openStore({ databasePath, keyFile });
      try {
        assert.deepEqual(again.migration.applied, []);
        assert.equal(await (await MatrixState.open(again.db)).ghostUser('g2'), '@kp_bob:x');
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forgets transactions older than a week, scanning for them at most once per prune interval', async () => {
    const db = await migratedMemoryDb();
    try {
      const state = await MatrixState.open(db);
      const t0 = 100 * TRANSACTION_MEMORY_MS;
      await state.markTransactionDone('old', t0);
      const p = t0 + TRANSACTION_MEMORY_MS + 1;
      await state.markTransactionDone('new', p); // a prune: 'old' is over a week old
      assert.equal(await state.transactionDone('old'), false);
      assert.equal(await state.transactionDone('new'), true);
      // Expired already, but the next prune is an interval away: kept until then.
      await state.markTransactionDone('expired', p - TRANSACTION_MEMORY_MS - 5);
      await state.markTransactionDone('soon', p + TRANSACTION_PRUNE_INTERVAL_MS - 1);
      assert.equal(await state.transactionDone('expired'), true);
      await state.markTransactionDone('later', p + TRANSACTION_PRUNE_INTERVAL_MS);
      assert.equal(await state.transactionDone('expired'), false);
      assert.deepEqual((await db.all<{ txn_id: string }>('SELECT txn_id FROM matrix_transactions ORDER BY txn_id')).map((r) => r.txn_id), ['later', 'new', 'soon']);
    } finally {
      await db.close();
    }
  });

  it('answers admin and encrypted rooms from memory, written through to the table, and loads them again at open', async () => {
    const db = await migratedMemoryDb();
    try {
      const state = await MatrixState.open(db);
      assert.equal(await state.isAdminRoom('!dm:x'), false);
      await state.addAdminRoom('!dm:x', '@admin:x', 1);
      assert.equal(await state.isAdminRoom('!dm:x'), true);
      assert.equal(await state.markEncrypted('!e:x', 2), true);
      assert.equal(await state.markEncrypted('!e:x', 3), false, 'the notice is posted once');
      assert.equal(await state.isEncrypted('!e:x'), true);
      assert.equal(await state.isEncrypted('!dm:x'), false);
      assert.deepEqual(await db.all('SELECT room_id, user_id FROM matrix_admin_rooms'), [{ room_id: '!dm:x', user_id: '@admin:x' }]);
      assert.deepEqual(await db.all('SELECT room_id, seen_at FROM matrix_encrypted_rooms'), [{ room_id: '!e:x', seen_at: 2 }]);
      const reopened = await MatrixState.open(db);
      assert.equal(await reopened.isAdminRoom('!dm:x'), true);
      assert.equal(await reopened.isEncrypted('!e:x'), true);
    } finally {
      await db.close();
    }
  });

  it('refuses a database that was not migrated, naming the missing tables', async () => {
    const db = await Database.open(':memory:');
    try {
      await assert.rejects(MatrixState.open(db), /no matrix_transactions, matrix_admin_rooms, matrix_encrypted_rooms, matrix_ghost_users: open it with openStore/);
    } finally {
      await db.close();
    }
  });
});
