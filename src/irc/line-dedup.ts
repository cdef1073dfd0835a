/**
 * Lines every puppet connection sees are processed once (issue 7). In puppets mode several of our
 * connections sit in one channel and each receives every line. Where the server tags lines with
 * an IRCv3 `msgid`, that is the key. Otherwise each connection sees the same lines in the same
 * order, so the n-th time connection C sees (channel, sender, command, text) it is the n-th such
 * line: it is processed only if no connection has yet processed an n-th one. Two identical lines
 * in a row ("ok", "ok") are thus both processed, once each. Counts expire after `windowMs` of
 * quiet so memory stays bounded.
 */

export const DEDUP_WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

export interface SeenLine {
  /** Which of our connections saw it. */
  readonly connection: string;
  readonly target: string;
  readonly sender: string;
  readonly command: string;
  readonly text: string;
  readonly msgid?: string;
}

interface Entry {
  processed: number;
  readonly perConnection: Map<string, number>;
  lastMs: number;
}

export class LineDedup {
  private readonly entries = new Map<string, Entry>();
  private readonly msgids = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = DEDUP_WINDOW_MS,
  ) {}

  /** True the first time a line is seen across all connections; false for its copies. */
  firstSight(l: SeenLine): boolean {
    const t = this.now();
    this.expire(t);
    if (l.msgid !== undefined) {
      if (this.msgids.has(l.msgid)) return false;
      this.msgids.set(l.msgid, t);
      return true;
    }
    const key = JSON.stringify([l.target.toLowerCase(), l.sender.toLowerCase(), l.command, l.text]);
    let e = this.entries.get(key);
    if (!e) {
      e = { processed: 0, perConnection: new Map(), lastMs: t };
      this.entries.set(key, e);
    }
    e.lastMs = t;
    const n = (e.perConnection.get(l.connection) ?? 0) + 1;
    e.perConnection.set(l.connection, n);
    if (n <= e.processed) return false;
    e.processed = n;
    return true;
  }

  /** A connection (re)joined: it missed lines meanwhile, so it counts from what has already
   *  been processed, and its next sighting of a key is a new line only if nobody saw it yet. */
  resync(connection: string): void {
    for (const e of this.entries.values()) e.perConnection.set(connection, e.processed);
  }

  get size(): number {
    return this.entries.size + this.msgids.size;
  }

  private lastExpiryMs = -Infinity;

  private expire(t: number): void {
    if (t - this.lastExpiryMs < 1000 && this.entries.size <= MAX_KEYS && this.msgids.size <= MAX_KEYS) return;
    this.lastExpiryMs = t;
    for (const [k, e] of this.entries) if (t - e.lastMs > this.windowMs || this.entries.size > MAX_KEYS) this.entries.delete(k);
    for (const [k, at] of this.msgids) if (t - at > this.windowMs || this.msgids.size > MAX_KEYS) this.msgids.delete(k);
  }
}
