// Opening the store at start: the database brought up to the current schema, and the SecretBox
// for sealed columns. Later issues add the repositories (portals, puppets, ...) on top.
import { Database } from './database.js';
import { migrate, type Migration, type MigrationOutcome } from './migrations.js';
import { SecretBox } from './secret-box.js';

export interface Store {
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly migration: MigrationOutcome;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly databasePath: string;
  readonly keyFile: string;
  /** Defaults to src/store/migrations; tests pass their own. */
  readonly migrations?: readonly Migration[];
}

/** Opens the key file first, so a refused key never leaves a freshly migrated database behind. */
export async function openStore(o: StoreOptions): Promise<Store> {
  const secrets = SecretBox.fromKeyFile(o.keyFile);
  const db = await Database.open(o.databasePath);
  try {
    const migration = await migrate(db, o.migrations);
    return { db, secrets, migration, close: () => db.close() };
  } catch (e) {
    await db.close();
    throw e;
  }
}
