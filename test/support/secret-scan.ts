// Finds secrets in captured text (a daemon's whole log, an HTTP body). Issue 8: "a test greps a
// full end-to-end run's logs for them". A secret can leak in many spellings, so each is looked for
// as raw text, hex (either case, optionally byte-separated as in `<Buffer 0a 1b>` or `0a:1b`),
// base64 and base64url at any alignment, and decimal byte lists (`[10, 27, ...]`,
// `{"0":10,"1":27}`). Partial leaks count: any WINDOW_BYTES-long slice of a secret is a finding,
// so logging only a WriteCap's 32-byte seed is caught too. Use random secrets: a run of zeros
// would "leak" wherever zeros are printed.
import { AssertionError } from 'node:assert';

/** Shortest slice of a secret that counts as a leak (shorter secrets must appear whole). */
export const WINDOW_BYTES = 16;

export interface SecretToFind {
  /** Shown in findings instead of the value, e.g. "as_token" or "alice write cap". */
  readonly label: string;
  readonly value: string | Uint8Array;
}

export type LeakForm = 'raw' | 'hex' | 'base64' | 'decimal';

export interface SecretFinding {
  readonly label: string;
  readonly form: LeakForm;
  /** Offset in the text where the run holding the leak starts. */
  readonly index: number;
}

interface Prepared {
  readonly label: string;
  readonly raw: readonly string[];
  readonly window: number;
  /** Every window-long slice of the secret's bytes, as lowercase hex. */
  readonly slices: ReadonlySet<string>;
}

function prepare(s: SecretToFind): Prepared {
  const bytes = typeof s.value === 'string' ? Buffer.from(s.value, 'utf8') : Buffer.from(s.value);
  if (bytes.length === 0) throw new RangeError(`secret ${JSON.stringify(s.label)} is empty`);
  const window = Math.min(WINDOW_BYTES, bytes.length);
  const slices = new Set<string>();
  for (let i = 0; i + window <= bytes.length; i++) slices.add(bytes.subarray(i, i + window).toString('hex'));
  const raw: string[] = [];
  if (typeof s.value === 'string') {
    const w = Math.min(WINDOW_BYTES, s.value.length);
    for (let i = 0; i + w <= s.value.length; i++) raw.push(s.value.slice(i, i + w));
  } else {
    raw.push(bytes.toString('latin1'));
    const utf8 = bytes.toString('utf8');
    if (!utf8.includes('\ufffd')) raw.push(utf8);
  }
  return { label: s.label, raw: [...new Set(raw)], window, slices };
}

/** Does any window-long slice of `decoded` belong to the secret? */
function overlaps(decoded: Uint8Array, p: Prepared): boolean {
  const buf = Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  for (let i = 0; i + p.window <= buf.length; i++) {
    if (p.slices.has(buf.subarray(i, i + p.window).toString('hex'))) return true;
  }
  return false;
}

interface Candidate {
  readonly form: LeakForm;
  readonly index: number;
  readonly bytes: Uint8Array;
}

/** Byte strings the text might be spelling, each with where its run starts. */
function* candidates(text: string, minBytes: number): Generator<Candidate> {
  // Hex: contiguous runs at both nibble alignments, and byte pairs separated by one space or colon.
  for (const m of text.matchAll(new RegExp(`[0-9a-fA-F]{${2 * minBytes},}`, 'g'))) {
    for (const shift of [0, 1]) {
      const run = m[0].slice(shift);
      yield { form: 'hex', index: m.index, bytes: Buffer.from(run.slice(0, run.length - (run.length % 2)), 'hex') };
    }
  }
  for (const m of text.matchAll(new RegExp(`(?:[0-9a-fA-F]{2}[ :-]){${minBytes - 1},}[0-9a-fA-F]{2}`, 'g'))) {
    yield { form: 'hex', index: m.index, bytes: Buffer.from(m[0].replace(/[ :-]/g, ''), 'hex') };
  }
  // Base64 (Node's decoder takes both alphabets): every start offset, since the run may include
  // characters that are not part of the encoding (`token=` before it).
  const minChars = Math.ceil((minBytes * 4) / 3);
  for (const m of text.matchAll(new RegExp(`[A-Za-z0-9+/_-]{${minChars},}`, 'g'))) {
    for (let shift = 0; shift < 4 && m[0].length - shift >= minChars; shift++) {
      const run = m[0].slice(shift);
      yield { form: 'base64', index: m.index, bytes: Buffer.from(run.slice(0, run.length - (run.length % 4)), 'base64') };
    }
  }
  // Decimal byte lists: `1, 2, 3` (arrays, util.inspect) and `"0":1,"1":2` (JSON of a Uint8Array).
  for (const m of text.matchAll(new RegExp(`(?:\\b\\d{1,3}\\s*,\\s*){${minBytes - 1},}\\d{1,3}\\b`, 'g'))) {
    const values = m[0].split(/\s*,\s*/).map(Number);
    if (values.every((v) => v <= 255)) yield { form: 'decimal', index: m.index, bytes: Uint8Array.from(values) };
  }
  for (const m of text.matchAll(new RegExp(`(?:"\\d+"\\s*:\\s*\\d{1,3}\\s*,\\s*){${minBytes - 1},}"\\d+"\\s*:\\s*\\d{1,3}`, 'g'))) {
    const values = [...m[0].matchAll(/"\d+"\s*:\s*(\d{1,3})/g)].map((x) => Number(x[1]));
    if (values.every((v) => v <= 255)) yield { form: 'decimal', index: m.index, bytes: Uint8Array.from(values) };
  }
}

/** Every place a secret (or a WINDOW_BYTES slice of it) shows up in `text`, one finding per run and form. */
export function scanForSecrets(text: string, secrets: readonly SecretToFind[]): SecretFinding[] {
  const prepared = secrets.map(prepare);
  const findings: SecretFinding[] = [];
  const seen = new Set<string>();
  const add = (f: SecretFinding) => {
    const key = `${f.label}\u0000${f.form}\u0000${f.index}`;
    if (!seen.has(key)) {
      seen.add(key);
      findings.push(f);
    }
  };
  for (const p of prepared) {
    for (const r of p.raw) {
      for (let i = text.indexOf(r); i !== -1; i = text.indexOf(r, i + 1)) add({ label: p.label, form: 'raw', index: i });
    }
  }
  const minBytes = Math.min(...prepared.map((p) => p.window));
  if (Number.isFinite(minBytes)) {
    for (const c of candidates(text, minBytes)) {
      for (const p of prepared) if (c.bytes.length >= p.window && overlaps(c.bytes, p)) add({ label: p.label, form: c.form, index: c.index });
    }
  }
  return findings.sort((a, b) => a.index - b.index);
}

/** Fails with the labels, forms and offsets of any leak (never the secret values themselves). */
export function assertNoSecrets(text: string, secrets: readonly SecretToFind[], what = 'text'): void {
  const findings = scanForSecrets(text, secrets);
  if (findings.length === 0) return;
  const lines = findings.slice(0, 20).map((f) => `  ${f.label} as ${f.form} at offset ${f.index}`);
  throw new AssertionError({
    message: `${what} contains ${findings.length} secret leak(s):\n${lines.join('\n')}${findings.length > 20 ? '\n  …' : ''}`,
  });
}
