import {
  MAX_DISPLAY_NAME_CODE_POINTS,
  MIN_DISPLAY_NAME_CODE_POINTS,
  RESERVED_NAME_PREFIX,
} from './constants.js';
import { WireError } from './errors.js';

/** Length in Unicode code points, the unit katzenqt's 1..30 rule counts (wire notes: an
 *  astral emoji is one, although its JavaScript .length is two). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Display names on the wire (PleaseAdd.display_name, our x-bridge-sender): 1..30 code points
 * (wire §1.6; katzenqt fails validation on 31) and never the `:substream:` prefix, which
 * katzenqt reserves for its temp-stream helper peers and parses an id out of (§1.7).
 */
export function checkDisplayName(name: string, path: string): string {
  const n = codePointLength(name);
  if (n < MIN_DISPLAY_NAME_CODE_POINTS || n > MAX_DISPLAY_NAME_CODE_POINTS) {
    throw new WireError(
      'bad_display_name',
      path,
      `must be ${MIN_DISPLAY_NAME_CODE_POINTS}..${MAX_DISPLAY_NAME_CODE_POINTS} code points, got ${n}`,
    );
  }
  if (name.startsWith(RESERVED_NAME_PREFIX)) {
    throw new WireError('bad_display_name', path, `must not start with the reserved prefix ${RESERVED_NAME_PREFIX}`);
  }
  return name;
}

// C0/C1 controls, line/paragraph separators and bidi overrides: they garble one-line displays.
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Makes any Matrix/IRC name acceptable before we send it (wire §2: "the bridge sanitises names
 * itself: 1-30 chars, no `:substream:` prefix"), instead of sending a "please revise" message
 * that does not exist. Never throws; `fallback` is used when nothing printable is left.
 */
export function sanitizeDisplayName(raw: string, fallback = 'member'): string {
  let name = raw.replace(UNSAFE_NAME_CHARS, ' ').replace(/\s+/gu, ' ').trim();
  while (name.startsWith(RESERVED_NAME_PREFIX)) name = name.slice(RESERVED_NAME_PREFIX.length).trim();
  name = Array.from(name).slice(0, MAX_DISPLAY_NAME_CODE_POINTS).join('').trim();
  if (codePointLength(name) < MIN_DISPLAY_NAME_CODE_POINTS) return fallback;
  return name;
}

const MAX_BASENAME_CHARS = 200;

/**
 * katzenqt's receiver rule for file names (wire §1.6): `/` and `\` become `_`, leading dots are
 * stripped, the name is cut to 200 characters, and an empty name becomes "unnamed". The decoder
 * keeps the raw basename; whoever writes a file or shows a name applies this.
 */
export function safeBasename(basename: string): string {
  const name = Array.from(basename.replace(/[/\\]/gu, '_').replace(/^\.+/u, ''))
    .slice(0, MAX_BASENAME_CHARS)
    .join('');
  return name.length > 0 ? name : 'unnamed';
}
