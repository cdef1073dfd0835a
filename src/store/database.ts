// A small promise wrapper over node-sqlite3 (one connection). Every call is queued behind the one
// before it, so a transaction's statements never interleave with other callers' statements on the
// shared connection; inside `transaction` the callback gets a handle that skips the queue.
import sqlite3 from 'sqlite3';
import { StoreError } from './errors.js';

export type SqlValue = string | number | bigint | Uint8Array | null;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export interface RunResult {
  /** rowid of the last inserted row (INSERT only). */
  readonly lastId: number;
  readonly changes: number;
}

/** What a query needs; both the database and a transaction handle provide it. */
export interface Queryable {
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

// Pragmas set on every connection: WAL lets readers (backups, `sqlite3` on the command line) work
// while the bridge writes; foreign keys are off by default in SQLite; busy_timeout rides out a
// concurrent writer instead of failing with SQLITE_BUSY. synchronous = NORMAL, SQLite's advice for
// WAL: a commit that returned survives any crash or kill of this process and the file is never
// corrupted; only a power cut or kernel crash can undo the last commits. It saves an fsync per
// commit, several per bridged message (bench:matrix: Matrix -> Katzenpost with 8 in flight went
// from about 0.5x to 0.9x of Synapse's direct rate on the same run).
const CONNECTION_PRAGMAS = 'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;';

class Raw implements Queryable {
  constructor(protected readonly db: sqlite3.Database) {}

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ lastId: this.lastID, changes: this.changes });
      });
    });
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get<T>(sql, params, (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row)));
    });
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all<T>(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}

export class Database implements Queryable {
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(private readonly raw: Raw, private readonly handle: sqlite3.Database) {}

  /** Opens (creating if missing) the database at `path`; ':memory:' for a private in-memory one. */
  static async open(path: string): Promise<Database> {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('Database.open: path must be non-empty text');
    const handle = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db: sqlite3.Database = new sqlite3.Database(path, (err: Error | null) =>
        err
          ? reject(new StoreError('database_unavailable', `cannot open the database ${path} (${(err as NodeJS.ErrnoException).code ?? err.message}); check that its folder exists and is writable (store.path)`, { cause: err }))
          : resolve(db),
      );
    });
    const db = new Database(new Raw(handle), handle);
    try {
      await db.exec(CONNECTION_PRAGMAS);
    } catch (e) {
      await db.close();
      throw e;
    }
    return db;
  }

  run(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.queued(() => this.raw.run(sql, params));
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.queued(() => this.raw.get<T>(sql, params));
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.queued(() => this.raw.all<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.queued(() => this.raw.exec(sql));
  }

  /**
   * Runs `fn` in one transaction: committed if it resolves, rolled back if it throws (and the
   * error rethrown). BEGIN IMMEDIATE takes the write lock up front, so two processes on one file
   * fail fast (after busy_timeout) instead of deadlocking on lock upgrade.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.queued(async () => {
      let open = true;
      const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> => {
        if (!open) return Promise.reject(new TypeError('transaction handle used after the transaction ended'));
        return f(...a);
      };
      const tx: Queryable = {
        run: guard((sql: string, p?: SqlParams) => this.raw.run(sql, p)),
        get: guard((sql: string, p?: SqlParams) => this.raw.get(sql, p)) as Queryable['get'],
        all: guard((sql: string, p?: SqlParams) => this.raw.all(sql, p)) as Queryable['all'],
        exec: guard((sql: string) => this.raw.exec(sql)),
      };
      await this.raw.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(tx);
        await this.raw.exec('COMMIT');
        return result;
      } catch (e) {
        await this.raw.exec('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        open = false;
      }
    });
  }

  /** Waits for queued work, then closes; later calls reject. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const done = this.#tail.then(
      () => new Promise<void>((resolve, reject) => this.handle.close((err) => (err ? reject(err) : resolve()))),
    );
    this.#tail = done.catch(() => undefined);
    return done;
  }

  private queued<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new TypeError('Database is closed'));
    const result = this.#tail.then(op, op);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
