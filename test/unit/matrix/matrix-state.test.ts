import { strict as assert } from 'node:assert';
import { MatrixState } from '../../../src/matrix/index.js';
import { Database, loadMigrations, migrate, schemaVersion } from '../../../src/store/index.js';

// The Matrix frontend's tables come from migration 004; databases where src/matrix created them
// itself (before 004) upgrade in place with their rows.

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

  it('refuses a database that was not migrated, naming the missing tables', async () => {
    const db = await Database.open(':memory:');
    try {
      await assert.rejects(MatrixState.open(db), /no matrix_transactions, matrix_admin_rooms, matrix_encrypted_rooms, matrix_ghost_users: open it with openStore/);
    } finally {
      await db.close();
    }
  });
});
