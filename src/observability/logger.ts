// Structured logging (DESIGN.md §5). Each entry is an event name ("matrix.listening") plus fields;
// child loggers add fixed fields (component, portal). Output is one line per entry: readable
// `time LEVEL event key=value...` by default, or one JSON object with `json: true` (the
// `logging.json` config key). Every field and the event text go through redact.ts first, so a
// careless caller still cannot print a cap or token. The method `log(level, event, fields)` has
// the bridge core's BridgeLogger shape, so a Logger can be handed to the bridge and frontends as is.
import { KnownSecrets, redactFields, redactText, type Plain } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
/** Most severe first; an entry is written when its level is at or before the logger's. */
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
/** Receives one finished line, without the newline. Must not throw; if it does, the line is dropped. */
export type LogSink = (line: string) => void;
export type LogFieldsInput = Readonly<Record<string, unknown>>;

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly json?: boolean;
  /** Where lines go; stderr by default (the journal under systemd). Tests pass an array's push. */
  readonly sink?: LogSink;
  /** Clock for the timestamp; tests pin it. */
  readonly now?: () => Date;
  /** Secrets to scrub in any form; shared with children. */
  readonly knownSecrets?: KnownSecrets;
}

// Fields the line itself uses; a caller's field of the same name is written as `_name`.
const RESERVED = new Set(['time', 'level', 'event']);

export const STDERR_SINK: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

/** State shared by a logger and all its children, so a reload (SIGHUP) reaches every one. */
interface Family {
  level: LogLevel;
  json: boolean;
  readonly sink: LogSink;
  readonly now: () => Date;
  readonly known: KnownSecrets;
}

function checkLevel(level: unknown): LogLevel {
  if (!(LOG_LEVELS as readonly unknown[]).includes(level)) {
    throw new RangeError(`log level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  return level as LogLevel;
}

export class Logger {
  readonly #family: Family;
  readonly #bound: Readonly<Record<string, Plain>>;

  private constructor(family: Family, bound: Readonly<Record<string, Plain>>) {
    this.#family = family;
    this.#bound = bound;
  }

  static create(options: LoggerOptions = {}): Logger {
    return new Logger(
      {
        level: checkLevel(options.level ?? 'info'),
        json: options.json ?? false,
        sink: options.sink ?? STDERR_SINK,
        now: options.now ?? (() => new Date()),
        known: options.knownSecrets ?? new KnownSecrets(),
      },
      {},
    );
  }

  /** A logger whose every entry carries `fields` too (e.g. `{ component: 'matrix', portal }`). */
  child(fields: LogFieldsInput): Logger {
    return new Logger(this.#family, { ...this.#bound, ...redactFields(fields, this.#family.known) });
  }

  get level(): LogLevel {
    return this.#family.level;
  }

  get json(): boolean {
    return this.#family.json;
  }

  /** The scrub list shared by this logger's family; the daemon adds the tokens it revealed. */
  get knownSecrets(): KnownSecrets {
    return this.#family.known;
  }

  /** Changes level and/or format for this logger, its parent and all its children (SIGHUP). */
  configure(options: { readonly level?: LogLevel; readonly json?: boolean }): void {
    if (options.level !== undefined) this.#family.level = checkLevel(options.level);
    if (options.json !== undefined) this.#family.json = options.json;
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(this.#family.level);
  }

  log(level: LogLevel, event: string, fields?: LogFieldsInput): void {
    if (!this.enabled(checkLevel(level))) return;
    let line: string;
    try {
      line = this.#format(level, event, fields ?? {});
    } catch {
      // Formatting never throws by design; if it ever does, say so without the data.
      line = `${this.#family.now().toISOString()} ERROR log.unformattable`;
    }
    try {
      this.#family.sink(line);
    } catch {
      // A closed stderr must not take the daemon down.
    }
  }

  error(event: string, fields?: LogFieldsInput): void {
    this.log('error', event, fields);
  }
  warn(event: string, fields?: LogFieldsInput): void {
    this.log('warn', event, fields);
  }
  info(event: string, fields?: LogFieldsInput): void {
    this.log('info', event, fields);
  }
  debug(event: string, fields?: LogFieldsInput): void {
    this.log('debug', event, fields);
  }

  #format(level: LogLevel, event: string, fields: LogFieldsInput): string {
    const { known, json, now } = this.#family;
    const time = now().toISOString();
    const name = redactText(String(event), known);
    const rename = (key: string): string => (RESERVED.has(key) ? `_${key}` : key);
    const errorKeys = new Set(Object.keys(fields).filter((k) => fields[k] instanceof Error).map((k) => rename(redactText(k, known))));
    // fromEntries, not assignment: a `__proto__` field must stay a field.
    const merged: Record<string, Plain> = Object.fromEntries(
      [...Object.entries(this.#bound), ...Object.entries(redactFields(fields, known))].map(([k, v]) => [rename(k), v]),
    );
    if (json) return JSON.stringify({ time, level, event: name, ...merged });
    const parts = [time, level.toUpperCase().padEnd(5), textValue(name)];
    for (const [key, plain] of Object.entries(merged)) {
      parts.push(`${textKey(key)}=${errorKeys.has(key) ? textValue(describeError(plain)) : textValue(plain)}`);
    }
    return parts.join(' ');
  }
}

/** A logger that drops everything; the default where none is injected. */
export const SILENT_LOGGER: Logger = Logger.create({ level: 'error', sink: () => undefined });

function textKey(key: string): string {
  return /^[A-Za-z0-9_.:-]+$/.test(key) ? key : JSON.stringify(key);
}

/** Bare when unambiguous, else JSON-quoted: a value can never start a new line or fake a field. */
function textValue(v: Plain): string {
  if (typeof v === 'string') return /^[^\s"=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/** `Name[code]: message (k=v) <- Cause[code]: message` from a redacted error. */
export function describeError(e: Plain): string {
  const parts: string[] = [];
  let cur: Plain | undefined = e;
  while (cur !== undefined) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) {
      parts.push(typeof cur === 'string' ? cur : JSON.stringify(cur));
      break;
    }
    const { name, message, code, cause, ...rest }: { [key: string]: Plain } = cur;
    const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    parts.push(
      `${typeof name === 'string' ? name : 'Error'}${code !== undefined && code !== null ? `[${String(code)}]` : ''}: ${
        typeof message === 'string' ? message : JSON.stringify(message ?? '')
      }${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`,
    );
    cur = cause;
  }
  return parts.join(' <- ');
}

