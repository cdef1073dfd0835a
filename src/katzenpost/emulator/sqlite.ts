// The few promise-returning calls the emulator's box store needs from sqlite3. The bridge's own
// store (src/store) is off limits here (STYLE.md §2: the emulator stands alone).
import sqlite3 from 'sqlite3';

export type SqlValue = string | number | bigint | Uint8Array | Buffer | null;

export class Sqlite {
  private constructor(private readonly db: sqlite3.Database) {}

  static open(path: string): Promise<Sqlite> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(new Sqlite(db))));
    });
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    return new Promise((resolve, reject) => this.db.run(sql, params as unknown[], (err) => (err ? reject(err) : resolve())));
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => this.db.all(sql, params as unknown[], (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}
