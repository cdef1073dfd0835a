import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryGroupStateStore, type StoreSnapshot } from './memory-state-store.js';

/**
 * GroupStateStore in one JSON file (`DIR/groupchat-state.json`), for the `katzenbridge peer`
 * test member: every put rewrites the file atomically (temp file + rename), mode 0600 because it
 * holds write caps and voucher secret keys in the clear. It rewrites everything on every box, so
 * it suits a test peer, not the bridge (src/store implements GroupStateStore on sqlite with
 * secrets encrypted at rest).
 */
export const STATE_FILE = 'groupchat-state.json';

export class FileGroupStateStore extends MemoryGroupStateStore {
  private readonly file: string;

  private constructor(dir: string, snapshot?: StoreSnapshot) {
    super(snapshot);
    this.file = join(dir, STATE_FILE);
  }

  /** Opens (or creates) the state in `dir`. Throws with the file name if it is not ours. */
  static open(dir: string): FileGroupStateStore {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, STATE_FILE);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text === undefined) return new FileGroupStateStore(dir);
    let snapshot: StoreSnapshot;
    try {
      snapshot = JSON.parse(text, reviveBytes) as StoreSnapshot;
    } catch (e) {
      throw new Error(`${file}: not a katzenbridge peer state file (${(e as Error).message})`, { cause: e });
    }
    for (const k of ['groups', 'members', 'pendingJoins', 'joinerVouchers'] as const) {
      if (!Array.isArray(snapshot[k])) throw new Error(`${file}: not a katzenbridge peer state file (no ${k} list)`);
    }
    return new FileGroupStateStore(dir, snapshot);
  }

  protected override async persist(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot(), replaceBytes), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

// Uint8Array <-> {"$b64": "..."}. The replacer looks at the holder's own value, `this[key]`: for a
// Buffer (a Uint8Array with toJSON) `value` is already {type: 'Buffer', data: [...]}, which would
// come back as a plain object.
function replaceBytes(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Uint8Array) return { $b64: Buffer.from(original).toString('base64') };
  return value;
}

function reviveBytes(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.$b64 === 'string' && Object.keys(v).length === 1) return new Uint8Array(Buffer.from(v.$b64, 'base64'));
  }
  return value;
}
