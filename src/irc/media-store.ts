import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, rename, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Files waiting to be fetched through signed links (media-links.ts). They live in a folder so a
 * link keeps working across a restart; each file is `ID.bin` with its type and name in `ID.json`.
 * Files older than the link lifetime can no longer be fetched and are removed by `prune`.
 */

export interface StoredFile {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/** A MIME type we are willing to send as Content-Type: `type/subtype`, no parameters. */
const MIME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/;

export function safeContentType(filetype: string): string {
  return MIME.test(filetype) ? filetype.toLowerCase() : 'application/octet-stream';
}

export class MediaStore {
  constructor(
    private readonly dir: string,
    readonly maxBytes: number,
  ) {
    if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new RangeError('MediaStore: maxBytes must be a non-negative integer');
  }

  async put(file: StoredFile): Promise<string> {
    if (file.bytes.length > this.maxBytes) throw new RangeError(`MediaStore.put: ${file.bytes.length} bytes is over the cap of ${this.maxBytes}`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const id = randomBytes(16).toString('base64url');
    // Written then renamed, so a reader never sees half a file.
    await writeFile(join(this.dir, `${id}.bin.tmp`), file.bytes, { mode: 0o600 });
    await rename(join(this.dir, `${id}.bin.tmp`), join(this.dir, `${id}.bin`));
    await writeFile(join(this.dir, `${id}.json`), JSON.stringify({ name: file.name, contentType: safeContentType(file.contentType) }), { mode: 0o600 });
    return id;
  }

  async get(id: string): Promise<StoredFile | undefined> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) return undefined;
    try {
      const meta = JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as { name: string; contentType: string };
      const bytes = await readFile(join(this.dir, `${id}.bin`));
      return { name: meta.name, contentType: safeContentType(meta.contentType), bytes };
    } catch {
      return undefined;
    }
  }

  /** Removes files written more than `maxAgeMs` ago. */
  async prune(maxAgeMs: number, nowMs = Date.now()): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const n of names) {
      const p = join(this.dir, n);
      const s = await stat(p).catch(() => undefined);
      if (s && nowMs - s.mtimeMs > maxAgeMs) {
        await unlink(p).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }
}
