// Turns anything a caller hands the logger into plain JSON-able data with secrets removed
// (DESIGN.md §5: "structured logs that never print caps or tokens"). Four layers, because no
// single one is enough:
//  1. key names: a field called token/secret/password/*_cap/key/seed... is replaced whole;
//  2. placeholders: an object whose toJSON() answers a string (bacap's WriteCap "[WriteCap]",
//     config's Secret "[secret]") is shown as that string and never walked;
//  3. shapes: byte arrays, and hex/base64 runs long enough to be a key or cap, are masked
//     wherever they occur (field values, messages, error messages, nested objects);
//  4. known values: secrets the daemon knows (the appservice tokens) are scrubbed in any form.
// Masked runs keep a short SHA-256 fingerprint so two log lines about the same key can be
// matched up; six hex digits of a hash of a >= 32-byte random value reveal nothing usable.
import { createHash } from 'node:crypto';

/** What a masked field value is shown as. */
export const REDACTED = '[redacted]';
/** Byte arrays longer than this are masked. Stricter than "longer than 32": a 32-byte seed is a key. */
export const MAX_SHOWN_BYTES = 16;
/** 32 bytes as hex: the shortest key we hold (seeds, secretbox keys). */
export const MIN_HEX_RUN = 64;
/** 32 bytes as unpadded base64url is 43 characters; generate-registration's tokens are exactly that. */
export const MIN_BASE64_RUN = 43;
/** Shorter known secrets are not scrubbed by value (see KnownSecrets.add). */
export const MIN_KNOWN_SECRET_BYTES = 8;
const MAX_DEPTH = 6;
const MAX_ARRAY_ITEMS = 50;
const MAX_STRING_CHARS = 4096;
const MAX_CAUSES = 5;

// Words that make a field's value secret, matched against the key split at _ - . and camelCase
// (so `writeCap`, `write_cap`, `as_token`, `hsToken`, `api-key` all match, `keys`/`capacity` do not).
const SECRET_WORDS = new Set([
  'token', 'secret', 'secrets', 'password', 'passwd', 'passphrase', 'key', 'cap', 'seed', 'private',
  'credential', 'credentials', 'cookie', 'authorization', 'auth', 'voucher', 'mnemonic',
]);
// ...unless the key ends in a word that names something about the secret rather than the secret
// (`key_file` is a path, `token_source` says "environment variable X"). The value itself still
// goes through the shape rules.
const DESCRIBING_WORDS = new Set(['file', 'path', 'source', 'count', 'length', 'bytes', 'kind', 'type']);

export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return false;
  if (DESCRIBING_WORDS.has(words[words.length - 1]!)) return false;
  return words.some((w) => SECRET_WORDS.has(w));
}

function fingerprint(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 6);
}

const HEX_RUN = new RegExp(`[0-9a-fA-F]{${MIN_HEX_RUN},}`, 'g');
// Standard and URL-safe alphabets, optional padding. A Matrix event ID ($ + 43 chars) is an
// identifier, not a secret, so a run right after `$` is left alone.
const BASE64_RUN = new RegExp(`(?<![$A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{${MIN_BASE64_RUN},}={0,2}`, 'g');

/**
 * Scrubs secrets out of a free-text string. Ordinary prose is untouched: a base64-looking run is
 * masked only if it mixes upper and lower case, which random keys of this length always do
 * (the chance that one does not is below 1e-9) and words, paths and identifiers rarely do.
 */
export function redactText(text: string, known: KnownSecrets = NO_KNOWN_SECRETS): string {
  let out = known.scrub(text);
  out = out.replace(HEX_RUN, (run) => `[hex:${run.length}#${fingerprint(run.toLowerCase())}]`);
  out = out.replace(BASE64_RUN, (run) =>
    /[a-z]/.test(run) && /[A-Z]/.test(run) ? `[base64:${run.length}#${fingerprint(run)}]` : run,
  );
  return out.length > MAX_STRING_CHARS ? `${out.slice(0, MAX_STRING_CHARS)}…(${out.length} chars)` : out;
}

/**
 * Values the process knows to be secret (e.g. the revealed appservice tokens), scrubbed from every
 * string in any of the forms a careless caller might print: as is, hex, base64 and base64url.
 * Shared by a logger and all its children.
 */
export class KnownSecrets {
  #forms: string[] = [];

  /**
   * Adds a value; returns false (and scrubs nothing) for one shorter than MIN_KNOWN_SECRET_BYTES,
   * since scrubbing "abc" everywhere would mangle ordinary text. Not an exception: a short IRC
   * password in the config must not stop the daemon; the key-name rule still hides it in fields.
   */
  add(value: string | Uint8Array): boolean {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new TypeError('KnownSecrets.add: expected a string or Uint8Array');
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    if (bytes.length < MIN_KNOWN_SECRET_BYTES) return false;
    const forms = [
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
    ];
    if (typeof value === 'string') forms.push(value);
    for (const f of forms) if (!this.#forms.includes(f)) this.#forms.push(f);
    // Longest first, so a padded form is replaced before its unpadded prefix.
    this.#forms.sort((a, b) => b.length - a.length);
    return true;
  }

  get size(): number {
    return this.#forms.length;
  }

  scrub(text: string): string {
    let out = text;
    for (const f of this.#forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  }
}

const NO_KNOWN_SECRETS = new KnownSecrets();

/** JSON-able data: what a log line is built from. */
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function isBytes(v: object): v is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(v) || v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer);
}

function redactBytes(v: ArrayBufferView | ArrayBuffer): string {
  const bytes = ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v);
  if (bytes.length > MAX_SHOWN_BYTES) return `[bytes:${bytes.length}#${fingerprint(bytes)}]`;
  return `[bytes:${bytes.length} ${Buffer.from(bytes).toString('hex')}]`;
}

/**
 * An Error as name, code, message, the typed fields our error classes carry (keyPath, field,
 * offset...) and its cause chain; never its stack (paths and sometimes values) nor raw bytes.
 */
function redactError(e: Error, known: KnownSecrets, seen: Set<object>, depth: number): Plain {
  const entries: Array<[string, Plain]> = [['name', redactText(String(e.name), known)], ['message', redactText(String(e.message), known)]];
  for (const key of Object.keys(e)) {
    if (key === 'cause' || key === 'stack' || key === 'name' || key === 'message') continue;
    const v = (e as unknown as Record<string, unknown>)[key];
    entries.push([redactText(key, known), isSecretKey(key) ? REDACTED : walk(v, known, seen, depth + 1)]);
  }
  const out: { [key: string]: Plain } = Object.fromEntries(entries);
  if (e instanceof AggregateError) {
    out['errors'] = walk(e.errors.slice(0, MAX_ARRAY_ITEMS), known, seen, depth + 1);
  }
  if ('cause' in e && e.cause !== undefined) {
    out['cause'] = depth >= MAX_CAUSES ? '[cause chain too long]' : walk(e.cause, known, seen, depth + 1);
  }
  return out;
}

function walk(v: unknown, known: KnownSecrets, seen: Set<object>, depth: number): Plain {
  switch (typeof v) {
    case 'string':
      return redactText(v, known);
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'boolean':
      return v;
    case 'bigint':
      return redactText(v.toString(), known);
    case 'undefined':
      return null;
    case 'symbol':
      return v.toString();
    case 'function':
      return '[function]';
  }
  if (v === null) return null;
  const obj = v as object;
  if (isBytes(obj)) return redactBytes(obj);
  if (seen.has(obj)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  seen.add(obj);
  try {
    if (obj instanceof Error) return redactError(obj, known, seen, depth);
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      // The object decides how it prints (WriteCap, Secret, Date, URL); walk the answer anyway.
      let shown: unknown;
      try {
        shown = toJSON.call(obj);
      } catch {
        return '[unprintable]';
      }
      return shown === obj ? '[unprintable]' : walk(shown, known, seen, depth + 1);
    }
    if (Array.isArray(obj)) {
      const items = obj.slice(0, MAX_ARRAY_ITEMS).map((x) => walk(x, known, seen, depth + 1));
      if (obj.length > MAX_ARRAY_ITEMS) items.push(`…(${obj.length} items)`);
      return items;
    }
    if (obj instanceof Map) return walk(Object.fromEntries([...obj].slice(0, MAX_ARRAY_ITEMS).map(([k, x]) => [String(k), x])), known, seen, depth);
    if (obj instanceof Set) return walk([...obj], known, seen, depth);
    let entries: Array<[string, unknown]>;
    try {
      entries = Object.entries(obj); // runs getters, which may throw (proxies, lazy fields)
    } catch {
      return '[unprintable]';
    }
    // fromEntries defines own properties, so a `__proto__` key stays a field instead of a prototype.
    return Object.fromEntries(
      entries.map(([key, x]) => [redactText(key, known), isSecretKey(key) ? REDACTED : walk(x, known, seen, depth + 1)]),
    );
  } finally {
    seen.delete(obj);
  }
}

/** Any value as redacted plain data. Never throws. */
export function redact(value: unknown, known: KnownSecrets = NO_KNOWN_SECRETS): Plain {
  try {
    return walk(value, known, new Set(), 0);
  } catch {
    // A getter or proxy deeper down threw; show nothing of it rather than fail the log call.
    return '[unprintable]';
  }
}

/** Log fields: each value redacted, and the value of a secret-named key replaced whole. */
export function redactFields(fields: Readonly<Record<string, unknown>>, known: KnownSecrets = NO_KNOWN_SECRETS): Record<string, Plain> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [redactText(key, known), isSecretKey(key) ? REDACTED : redact(value, known)]),
  );
}
