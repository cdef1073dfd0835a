import { plainForIrc } from './formatting.js';

/**
 * Fitting Katzenpost messages into IRC lines (issue 7 "split to fit the server's line limit at
 * UTF-8 boundaries, with a long-message policy"). RFC 1459 §2.3: 512 bytes per line including
 * CR LF, and the server prefixes what it relays with the sender's `:nick!user@host `, so the
 * text gets what is left after that, the command and the target.
 */

export const IRC_LINE_BYTES = 512;
/** Host part we assume when the server has not told us ours: the longest usual host name. */
const ASSUMED_HOST_BYTES = 63;
const ASSUMED_USER_BYTES = 10;
/** A chunk is cut at the last space within this many bytes of its end, so words stay whole. */
const WORD_BREAK_WINDOW = 40;

/** Bytes free for the text of `COMMAND target :text` sent by `nick`, as relayed by the server. */
export function textBudgetBytes(o: { command: string; target: string; nick: string; action?: boolean; lineBytes?: number; hostmaskBytes?: number }): number {
  const limit = o.lineBytes ?? IRC_LINE_BYTES;
  const prefix = o.hostmaskBytes ?? Buffer.byteLength(o.nick) + 1 + ASSUMED_USER_BYTES + 1 + ASSUMED_HOST_BYTES;
  const fixed = 1 + prefix + 1 + o.command.length + 1 + Buffer.byteLength(o.target) + 2 + 2 + (o.action ? '\x01ACTION \x01'.length : 0);
  const budget = limit - fixed;
  if (budget < 16) throw new RangeError(`textBudgetBytes: only ${budget} bytes left for text; the target or nick is too long`);
  return budget;
}

/**
 * Lines of at most `maxBytes` UTF-8 bytes each. Newlines in the text start new lines (they can
 * never reach the wire); formatting and control characters are removed; a line is cut between
 * code points, at a space near the end when there is one, never inside a character; blank lines
 * are dropped (IRC cannot send them).
 */
export function splitMessage(text: string, maxBytes: number): string[] {
  if (typeof text !== 'string') throw new TypeError('splitMessage: text must be a string');
  if (!Number.isInteger(maxBytes) || maxBytes < 8) throw new RangeError(`splitMessage: maxBytes must be an integer >= 8, got ${maxBytes}`);
  const out: string[] = [];
  for (const para of text.split(/\r\n|\r|\n/)) {
    const clean = plainForIrc(para).replace(/\s+$/, '');
    if (clean.trim() === '') continue;
    out.push(...splitLine(clean, maxBytes));
  }
  return out;
}

function splitLine(line: string, maxBytes: number): string[] {
  const chunks: string[] = [];
  let cur = '';
  let curBytes = 0;
  let lastSpace = -1; // index in `cur` after which a break is possible
  let bytesAtSpace = 0;
  // Small enough that the carried-over word plus one code point always fits a new chunk.
  const window = Math.min(WORD_BREAK_WINDOW, Math.floor(maxBytes / 4));
  for (const cp of line) {
    const b = Buffer.byteLength(cp);
    if (curBytes + b > maxBytes) {
      if (lastSpace > 0 && curBytes - bytesAtSpace - 1 <= window) {
        chunks.push(cur.slice(0, lastSpace));
        cur = cur.slice(lastSpace + 1);
        curBytes -= bytesAtSpace + 1;
      } else {
        chunks.push(cur);
        cur = '';
        curBytes = 0;
      }
      lastSpace = -1;
    }
    if (cp === ' ' && cur.length > 0) {
      lastSpace = cur.length;
      bytesAtSpace = curBytes;
    }
    cur += cp;
    curBytes += b;
  }
  if (cur.trim() !== '') chunks.push(cur);
  return chunks.filter((c) => c.trim() !== '');
}

/**
 * Long-message policy: at most `maxLines` lines; past that, the first `maxLines - 1` and a last
 * line from `overflow(hiddenLines)` (a link to the whole text, or a note that it was cut).
 */
export function limitLines(lines: readonly string[], maxLines: number, overflow: (hidden: number) => string): string[] {
  if (!Number.isInteger(maxLines) || maxLines < 1) throw new RangeError(`limitLines: maxLines must be an integer >= 1, got ${maxLines}`);
  if (lines.length <= maxLines) return [...lines];
  const kept = lines.slice(0, maxLines - 1);
  return [...kept, overflow(lines.length - kept.length)];
}
