// Public surface of src/store: the sqlite wrapper, migrations and the SecretBox.
export { Database, type Queryable, type RunResult, type SqlParams, type SqlValue } from './database.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { defaultMigrationsDir, loadMigrations, migrate, schemaVersion, type Migration, type MigrationOutcome } from './migrations.js';
export { SecretBox } from './secret-box.js';
export { openStore, type Store } from './store.js';
