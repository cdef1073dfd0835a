// Walks a parsed YAML document against the schema, converting values and collecting every problem
// with the key path and line it belongs to (yaml's node ranges + LineCounter). Nothing stops at the
// first problem: an operator should be able to fix the whole file in one pass.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { ConfigError, type ConfigErrorCode } from './errors.js';
import {
  describe,
  secretFileKey,
  type AnyField,
  type LeafField,
  type MapField,
  type RawValue,
  type SecretField,
  type SectionField,
} from './fields.js';
import { Secret } from './secret.js';

/** What the loader may consult besides the YAML: injected so tests need no real environment. */
export interface ConfigEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a secret file; throws (any error) when it cannot. */
  readonly readFile: (path: string) => string;
}

export interface WalkResult {
  readonly value: unknown;
  readonly problems: ConfigError[];
  /** Line of every key path that was present in the file, for later combination checks. */
  readonly lines: ReadonlyMap<string, number>;
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** `KATZENBRIDGE_IRC_{KEY}_PASSWORD` with KEY = the map entry name, upper-cased, others as `_`. */
export function secretEnvName(field: SecretField, entryKey: string | undefined): string {
  return field.env.replace('{KEY}', (entryKey ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '_'));
}

export function walkDocument(doc: Document.Parsed, lc: LineCounter, schema: SectionField<unknown>, cenv: ConfigEnvironment): WalkResult {
  const w = new Walker(doc, lc, cenv);
  const root = doc.contents;
  const value = w.section(schema, root === null ? undefined : root, '', 1, undefined);
  return { value, problems: w.problems, lines: w.lines };
}

class Walker {
  readonly problems: ConfigError[] = [];
  readonly lines = new Map<string, number>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lc: LineCounter,
    private readonly cenv: ConfigEnvironment,
  ) {}

  private lineOf(node: unknown): number {
    const range = (node as Node | null | undefined)?.range;
    return range ? this.lc.linePos(range[0]).line : 0;
  }

  private problem(keyPath: string, line: number, whatToDo: string, code: ConfigErrorCode, cause?: unknown): void {
    this.problems.push(new ConfigError(keyPath, line, whatToDo, code, cause === undefined ? undefined : { cause }));
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /** Absent and `key:` with nothing after it both mean "not set". */
  private isUnset(node: unknown): boolean {
    return node === undefined || node === null || (isScalar(node) && node.value === null);
  }

  section(field: SectionField<unknown>, rawNode: unknown, path: string, keyLine: number, entryKey: string | undefined): unknown {
    const node = this.deref(rawNode);
    const pairs = new Map<string, Pair<unknown, unknown>>();
    if (!this.isUnset(node)) {
      if (!isMap(node)) {
        this.problem(path, this.lineOf(node) || keyLine, `expected a mapping of keys, got ${this.describeNode(node)}`, 'wrong_type');
        return undefined;
      }
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof key !== 'string') {
          this.problem(path, this.lineOf(pair.key) || keyLine, 'use plain text keys', 'wrong_type');
          continue;
        }
        pairs.set(key, pair);
        const known = field.fields[key] ?? this.secretOf(field, key);
        if (!known) {
          this.problem(join(path, key), this.lineOf(pair.key), unknownKeyFix(key, allKeys(field)), 'unknown_key');
        }
      }
    }
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(field.fields)) {
      const childPath = join(path, name);
      const pair = pairs.get(name);
      const childLine = pair ? this.lineOf(pair.key) : keyLine;
      if (pair) this.lines.set(childPath, childLine);
      out[name] = this.field(child, pair?.value, childPath, childLine, pairs, entryKey);
    }
    return out;
  }

  private secretOf(field: SectionField<unknown>, key: string): AnyField | undefined {
    if (!key.endsWith('_file')) return undefined;
    const base = field.fields[key.slice(0, -'_file'.length)];
    return base?.kind === 'secret' ? base : undefined;
  }

  private field(
    field: AnyField,
    node: unknown,
    path: string,
    line: number,
    siblings: ReadonlyMap<string, Pair<unknown, unknown>>,
    entryKey: string | undefined,
  ): unknown {
    switch (field.kind) {
      case 'section':
        return this.section(field, node, path, line, entryKey);
      case 'map':
        return this.map(field, node, path, line);
      case 'secret':
        return this.secret(field, node, path, line, siblings, entryKey);
      default:
        return this.leaf(field, node, path, line);
    }
  }

  private map(field: MapField<unknown>, rawNode: unknown, path: string, line: number): unknown {
    const node = this.deref(rawNode);
    const out: Record<string, unknown> = {};
    if (this.isUnset(node)) return out;
    if (!isMap(node)) {
      this.problem(path, this.lineOf(node) || line, `expected a mapping of names to entries, got ${this.describeNode(node)}`, 'wrong_type');
      return out;
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const keyLine = this.lineOf(pair.key) || line;
      if (typeof key !== 'string' || !field.keyPattern.test(key)) {
        this.problem(join(path, String(key)), keyLine, `name entries with 1-32 letters, digits, - or _ (e.g. ${field.exampleKey})`, 'bad_value');
        continue;
      }
      this.lines.set(join(path, key), keyLine);
      out[key] = this.section(field.entry, pair.value, join(path, key), keyLine, key);
    }
    return out;
  }

  private secret(
    field: SecretField,
    node: unknown,
    path: string,
    line: number,
    siblings: ReadonlyMap<string, Pair<unknown, unknown>>,
    entryKey: string | undefined,
  ): Secret | undefined {
    const key = path.slice(path.lastIndexOf('.') + 1);
    const filePair = siblings.get(secretFileKey(key));
    const filePath = `${path}_file`;
    const inline = this.isUnset(this.deref(node)) ? undefined : this.stringValue(node, path, line);
    const fileLine = filePair ? this.lineOf(filePair.key) : line;
    const file = filePair && !this.isUnset(this.deref(filePair.value)) ? this.stringValue(filePair.value, filePath, fileLine) : undefined;
    if (filePair) this.lines.set(filePath, fileLine);
    if (inline !== undefined && file !== undefined) {
      this.problem(path, line, `set either ${key} or ${key}_file, not both`, 'bad_combination');
      return undefined;
    }
    const variable = secretEnvName(field, entryKey);
    const fromEnv = this.cenv.env[variable];
    // The environment wins, so a deployment can override a file-based secret without editing YAML.
    if (fromEnv !== undefined && fromEnv !== '') return new Secret(fromEnv, { kind: 'env', variable });
    if (file !== undefined) {
      let text: string;
      try {
        text = this.cenv.readFile(file);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? 'unreadable';
        this.problem(filePath, fileLine, `cannot read ${file} (${why}); create it or fix the path`, 'unreadable_file', e);
        return undefined;
      }
      const value = text.replace(/\s+$/, '');
      if (value === '') {
        this.problem(filePath, fileLine, `${file} is empty; put the ${key} in it`, 'bad_value');
        return undefined;
      }
      return new Secret(value, { kind: 'file', path: file });
    }
    if (inline !== undefined) {
      if (inline === '') {
        this.problem(path, line, `${key} is empty; set it, or use ${key}_file or ${variable}`, 'bad_value');
        return undefined;
      }
      return new Secret(inline, { kind: 'inline' });
    }
    return undefined;
  }

  private stringValue(rawNode: unknown, path: string, line: number): string | undefined {
    const node = this.deref(rawNode);
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.problem(path, this.lineOf(node) || line, `expected text, got ${this.describeNode(node)}`, 'wrong_type');
    return undefined;
  }

  private leaf(field: LeafField<unknown>, rawNode: unknown, path: string, line: number): unknown {
    const node = this.deref(rawNode);
    if (this.isUnset(node)) {
      if (field.required) {
        const example = field.example === undefined ? '' : `, e.g. ${path.slice(path.lastIndexOf('.') + 1)}: ${String(field.example)}`;
        this.problem(path, line, `set ${path}${example} (required)`, 'missing_value');
        return undefined;
      }
      return field.defaultRaw === undefined ? undefined : this.convertDefault(field, path);
    }
    const valueLine = this.lineOf(node) || line;
    let raw: RawValue;
    if (field.kind === 'list') {
      if (!isSeq(node)) {
        this.problem(path, valueLine, `expected a list (- item per line, or [a, b]), got ${this.describeNode(node)}`, 'wrong_type');
        return undefined;
      }
      const items: string[] = [];
      node.items.forEach((itemNode, i) => {
        const item = this.deref(itemNode);
        const itemLine = this.lineOf(item) || valueLine;
        this.lines.set(`${path}[${i}]`, itemLine);
        // Bad items stay in place (as '' if not text) so indices match for the combination
        // checks; any problem means the partial value is never returned as a Config.
        if (!isScalar(item) || typeof item.value !== 'string') {
          this.problem(`${path}[${i}]`, itemLine, `expected text, got ${this.describeNode(item)}`, 'wrong_type');
          items.push('');
          return;
        }
        const fix = field.checkItem?.(item.value);
        if (fix !== undefined) this.problem(`${path}[${i}]`, itemLine, fix, 'bad_value');
        items.push(item.value);
      });
      raw = items;
    } else if (isScalar(node) && ['string', 'number', 'boolean'].includes(typeof node.value)) {
      raw = node.value as RawValue;
    } else {
      this.problem(path, valueLine, `expected a single value, got ${this.describeNode(node)}`, 'wrong_type');
      return undefined;
    }
    const converted = field.convert(raw);
    if (converted.ok) return converted.value;
    const expected = { string: 'string', enum: 'string', integer: 'number', boolean: 'boolean', list: 'object' }[field.kind];
    this.problem(path, valueLine, converted.fix, typeof raw === expected ? 'bad_value' : 'wrong_type');
    return undefined;
  }

  private convertDefault(field: LeafField<unknown>, path: string): unknown {
    const converted = field.convert(field.defaultRaw!);
    // A default that fails its own check is a bug in the schema, not in the operator's file.
    if (!converted.ok) throw new TypeError(`config schema: default of ${path} is invalid: ${converted.fix}`);
    return converted.value;
  }

  private describeNode(node: unknown): string {
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) return describe(node.value);
    return 'nothing';
  }
}

function allKeys(field: SectionField<unknown>): string[] {
  return Object.entries(field.fields).flatMap(([k, f]) => (f.kind === 'secret' ? [k, secretFileKey(k)] : [k]));
}

function unknownKeyFix(key: string, known: readonly string[]): string {
  const near = known.filter((k) => editDistance(k, key) <= Math.max(1, Math.floor(key.length / 4)));
  const hint = near.length > 0 ? `did you mean ${near.join(' or ')}? ` : '';
  return `unknown key; ${hint}remove it or use one of: ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
