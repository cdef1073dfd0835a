// Durable storage for the emulated replicas: boxes, finished copy commands and the emulator's own
// long-lived secrets. Every row is also held in memory, so reads are synchronous and the
// write-once check cannot race; sqlite (when --data is given) is written through before a write
// is acknowledged, so a restart with the same folder keeps every acknowledged box.
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Sqlite } from './sqlite.js';

export interface StoredBox {
  readonly boxId: Uint8Array;
  /** Empty for a tombstone (bacap.md §9.5). */
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
  /** The replica storage epoch the box was written in (thin-client §3.5). */
  readonly replicaEpoch: number;
  readonly writtenAt: number;
}

export interface CopyResult {
  readonly errorCode: number;
  readonly replicaErrorCode: number;
  readonly failedEnvelopeIndex: number;
  readonly finishedAt: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS boxes (
  box_id BLOB PRIMARY KEY, ciphertext BLOB NOT NULL, signature BLOB NOT NULL,
  replica_epoch INTEGER NOT NULL, written_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS copies (
  write_cap_hash BLOB PRIMARY KEY, error_code INTEGER NOT NULL, replica_error_code INTEGER NOT NULL,
  failed_envelope_index INTEGER NOT NULL, finished_at INTEGER NOT NULL);
`;

export const DATABASE_FILE = 'emulator.sqlite';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const u8 = (b: Buffer | Uint8Array): Uint8Array => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

type BoxRow = { box_id: Buffer; ciphertext: Buffer; signature: Buffer; replica_epoch: number; written_at: number };
type CopyRow = { write_cap_hash: Buffer; error_code: number; replica_error_code: number; failed_envelope_index: number; finished_at: number };

export class BoxStore {
  private readonly boxes = new Map<string, StoredBox>();
  private readonly copies = new Map<string, CopyResult>();
  private readonly meta = new Map<string, Uint8Array>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Serialises sqlite writes so they land in the order the memory map saw them. */
  private tail: Promise<void> = Promise.resolve();

  private constructor(private readonly db: Sqlite) {}

  /** Opens `dataDir/emulator.sqlite` (created if missing), or an in-memory store when undefined. */
  static async open(dataDir: string | undefined): Promise<BoxStore> {
    if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = await Sqlite.open(dataDir === undefined ? ':memory:' : join(dataDir, DATABASE_FILE));
    await db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    await db.exec(SCHEMA);
    const store = new BoxStore(db);
    for (const r of await db.all<BoxRow>('SELECT * FROM boxes')) {
      const box = { boxId: u8(r.box_id), ciphertext: u8(r.ciphertext), signature: u8(r.signature), replicaEpoch: r.replica_epoch, writtenAt: r.written_at };
      store.boxes.set(hex(box.boxId), box);
    }
    for (const r of await db.all<CopyRow>('SELECT * FROM copies')) {
      store.copies.set(hex(u8(r.write_cap_hash)), {
        errorCode: r.error_code, replicaErrorCode: r.replica_error_code, failedEnvelopeIndex: r.failed_envelope_index, finishedAt: r.finished_at,
      });
    }
    for (const r of await db.all<{ key: string; value: Buffer }>('SELECT * FROM meta')) store.meta.set(r.key, u8(r.value));
    return store;
  }

  get size(): number {
    return this.boxes.size;
  }

  get(boxId: Uint8Array): StoredBox | undefined {
    return this.boxes.get(hex(boxId));
  }

  /** Stores (or replaces) a box; the caller has already applied the replica rules. */
  put(box: StoredBox): Promise<void> {
    const key = hex(box.boxId);
    this.boxes.set(key, box);
    const persisted = this.persist('INSERT OR REPLACE INTO boxes VALUES (?, ?, ?, ?, ?)', [
      Buffer.from(box.boxId), Buffer.from(box.ciphertext), Buffer.from(box.signature), box.replicaEpoch, box.writtenAt,
    ]);
    const ws = this.waiters.get(key);
    if (ws) {
      this.waiters.delete(key);
      for (const w of ws) w();
    }
    return persisted;
  }

  /** Calls `onWrite` once, the next time this box is written; returns the unsubscribe. */
  onNextWrite(boxId: Uint8Array, onWrite: () => void): () => void {
    const key = hex(boxId);
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(onWrite);
    return () => {
      const s = this.waiters.get(key);
      s?.delete(onWrite);
      if (s?.size === 0) this.waiters.delete(key);
    };
  }

  copyResult(writeCapHash: Uint8Array): CopyResult | undefined {
    return this.copies.get(hex(writeCapHash));
  }

  putCopyResult(writeCapHash: Uint8Array, r: CopyResult): Promise<void> {
    this.copies.set(hex(writeCapHash), r);
    return this.persist('INSERT OR REPLACE INTO copies VALUES (?, ?, ?, ?, ?)', [
      Buffer.from(writeCapHash), r.errorCode, r.replicaErrorCode, r.failedEnvelopeIndex, r.finishedAt,
    ]);
  }

  /** A secret that survives restarts (envelope keys, the courier's identity): made once, then kept. */
  async secret(name: string, bytes = 32): Promise<Uint8Array> {
    const have = this.meta.get(name);
    if (have) return have;
    const made = new Uint8Array(randomBytes(bytes));
    this.meta.set(name, made);
    await this.persist('INSERT OR REPLACE INTO meta VALUES (?, ?)', [name, Buffer.from(made)]);
    return made;
  }

  /** Waits for every pending write, then closes the database. */
  async close(): Promise<void> {
    await this.tail;
    for (const ws of this.waiters.values()) ws.clear();
    this.waiters.clear();
    await this.db.close();
  }

  private persist(sql: string, params: (Buffer | number | string)[]): Promise<void> {
    const p = this.tail.then(() => this.db.run(sql, params));
    this.tail = p.catch(() => undefined);
    return p;
  }
}
