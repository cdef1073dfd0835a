import { Database, loadMigrations, migrate } from '../../src/store/index.js';

/** An in-memory database with every migration applied, as openStore leaves a real one. */
export async function migratedMemoryDb(): Promise<Database> {
  const db = await Database.open(':memory:');
  await migrate(db, loadMigrations());
  return db;
}
