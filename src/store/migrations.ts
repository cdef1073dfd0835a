// Versioned schema migrations: src/store/migrations/NNN-why.sql, numbered from 001 without gaps,
// each starting with a `-- ` line that says why (STYLE.md §1, after mautrix's upgrades/). The
// schema version is SQLite's user_version; each migration and its version bump commit together.
//
// The .sql files are read from the source tree at run time: tsc does not copy them, and the build
// output (dist/ or .build/NAME/) always sits inside the package, so the package root (found by its
// package.json) is a stable anchor wherever the JavaScript was compiled to.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';
import { StoreError } from './errors.js';

export interface Migration {
  readonly version: number;
  /** File name, e.g. `001-initial-tables.sql`. */
  readonly file: string;
  /** The first line without its `-- `: why this migration exists. */
  readonly why: string;
  readonly sql: string;
}

const FILE_NAME = /^(\d{3})-([a-z0-9]+(?:-[a-z0-9]+)*)\.sql$/;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'katzenbridge') return dir;
    const up = dirname(dir);
    if (up === dir) throw new StoreError('migration_invalid', 'cannot find the katzenbridge package root to read src/store/migrations');
    dir = up;
  }
}

export function defaultMigrationsDir(): string {
  return join(packageRoot(), 'src', 'store', 'migrations');
}

/** Reads and checks every migration in `dir`; a bad name, gap or missing why-line is refused. */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file, i) => {
    const m = FILE_NAME.exec(file);
    if (!m) throw new StoreError('migration_invalid', `${file}: name migrations NNN-what-and-why.sql (lower case, digits, dashes)`);
    const version = Number(m[1]);
    if (version !== i + 1) throw new StoreError('migration_invalid', `${file}: expected migration number ${String(i + 1).padStart(3, '0')}; numbers start at 001 without gaps or repeats`);
    const sql = readFileSync(join(dir, file), 'utf8');
    const first = sql.split('\n', 1)[0] ?? '';
    if (!/^-- \S/.test(first)) throw new StoreError('migration_invalid', `${file}: the first line must be a "-- " comment saying why the migration exists`);
    return { version, file, why: first.slice(3).trim(), sql };
  });
}

export interface MigrationOutcome {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

/** The schema version recorded in the database (0 for a new one). */
export async function schemaVersion(db: Pick<Database, 'get'>): Promise<number> {
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  return row?.user_version ?? 0;
}

/**
 * Brings the database up to the newest migration, one transaction per migration (so a failure
 * leaves the last good version, never half a migration). Refuses a database whose schema is newer
 * than this code knows: running old code on it could corrupt data written by the newer version.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = loadMigrations()): Promise<MigrationOutcome> {
  const latest = migrations.length;
  const from = await schemaVersion(db);
  if (from > latest) {
    throw new StoreError(
      'schema_too_new',
      `the database schema is version ${from}, newer than this katzenbridge knows (${latest}); ` +
        'run the newer katzenbridge that wrote it, or restore a backup from before the upgrade',
    );
  }
  const applied: string[] = [];
  for (const mig of migrations.slice(from)) {
    await db.transaction(async (tx) => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if ((await schemaVersion(tx)) >= mig.version) return;
      try {
        await tx.exec(mig.sql);
      } catch (e) {
        throw new StoreError('migration_failed', `migration ${mig.file} failed: ${(e as Error).message}`, { cause: e });
      }
      await tx.exec(`PRAGMA user_version = ${mig.version}`);
      applied.push(mig.file);
    });
  }
  return { from, to: Math.max(from, latest), applied };
}
