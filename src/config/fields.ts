// The vocabulary the config schema is written in. Each builder records, once, a key's type,
// default, description, whether it is required and its allowed values; the validator, the
// `Config` type and config.sample.yaml are all derived from it (hookshot renders its sample
// from its config classes the same way, so the two cannot drift).
import { Secret } from './secret.js';

/** A value as YAML gives it to us, before conversion. */
export type RawValue = string | number | boolean | readonly string[];

/** What a check returns: undefined when fine, otherwise what the operator should do. */
export type Fix = string | undefined;

/** A converted value or the fix for the raw one. */
export type Converted<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly fix: string };

interface FieldBase {
  readonly description: string;
}

export interface LeafField<T> extends FieldBase {
  readonly kind: 'string' | 'integer' | 'boolean' | 'enum' | 'list';
  readonly required: boolean;
  /** The default as it is written in YAML (and in the sample). */
  readonly defaultRaw: RawValue | undefined;
  /** Shown in the sample for keys without a default. */
  readonly example: RawValue | undefined;
  readonly allowed: readonly string[] | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly convert: (raw: RawValue) => Converted<T>;
  /** Lists only: checks one item, so the problem can name the item's own line. */
  readonly checkItem?: (item: string) => Fix;
  /** Phantom: carries the converted type for `ValueOf`. */
  readonly _type?: T;
}

/**
 * A secret is never required in the YAML itself: it may be written inline (`as_token`), read
 * from a file (`as_token_file`) or taken from an environment variable, in that order of
 * preference reversed: the environment wins, then the file, then the inline value.
 * `env` may contain `{KEY}`, replaced by the enclosing map entry's name (IRC network).
 */
export interface SecretField extends FieldBase {
  readonly kind: 'secret';
  readonly env: string;
  readonly exampleFile: string;
  readonly _type?: Secret | undefined;
}

export interface SectionField<T> extends FieldBase {
  readonly kind: 'section';
  readonly fields: Readonly<Record<string, AnyField>>;
  readonly _type?: T;
}

export interface MapField<T> extends FieldBase {
  readonly kind: 'map';
  readonly entry: SectionField<T>;
  /** Entry names are identifiers used in logs, admin commands and environment variables. */
  readonly keyPattern: RegExp;
  readonly exampleKey: string;
  readonly _type?: Readonly<Record<string, T>>;
}

// `any` here only erases the converted type so fields of every type fit one record.
export type AnyField = LeafField<any> | SecretField | SectionField<any> | MapField<any>;

/** The converted (readonly) type a field produces. */
export type ValueOf<F> =
  F extends LeafField<infer T>
    ? T
    : F extends SecretField
      ? Secret | undefined
      : F extends SectionField<infer T>
        ? T
        : F extends MapField<infer T>
          ? Readonly<Record<string, T>>
          : never;

type SectionValue<Fs extends Record<string, AnyField>> = { readonly [K in keyof Fs]: ValueOf<Fs[K]> };

interface LeafOptions<T> {
  readonly description: string;
  readonly example?: RawValue;
  /** Extra check on the converted value; returns what to do when it fails. */
  readonly check?: (value: T) => Fix;
}

function leaf<T>(
  kind: LeafField<T>['kind'],
  o: LeafOptions<T> & { default?: RawValue; required?: boolean; allowed?: readonly string[]; min?: number; max?: number },
  base: (raw: RawValue) => Converted<T>,
): LeafField<T> {
  return {
    kind,
    description: o.description,
    required: o.required === true,
    defaultRaw: o.default,
    example: o.example,
    allowed: o.allowed,
    min: o.min,
    max: o.max,
    convert: (raw) => {
      const c = base(raw);
      if (!c.ok || !o.check) return c;
      const fix = o.check(c.value);
      return fix === undefined ? c : { ok: false, fix };
    },
  };
}

const ok = <T>(value: T): Converted<T> => ({ ok: true, value });
const bad = (fix: string): Converted<never> => ({ ok: false, fix });

function asString(raw: RawValue): Converted<string> {
  return typeof raw === 'string' ? ok(raw) : bad(`expected text, got ${describe(raw)}`);
}

export function describe(raw: unknown): string {
  if (Array.isArray(raw)) return 'a list';
  if (raw === null || raw === undefined) return 'nothing';
  if (typeof raw === 'object') return 'a mapping';
  return `${typeof raw === 'string' ? 'text' : typeof raw} ${JSON.stringify(raw)}`;
}

type StrOptions = LeafOptions<string>;
export function str(o: StrOptions & { default: string }): LeafField<string>;
export function str(o: StrOptions & { required: true }): LeafField<string>;
export function str(o: StrOptions): LeafField<string | undefined>;
export function str(o: StrOptions & { default?: string; required?: true }): LeafField<string | undefined> {
  return leaf<string>('string', o, asString) as LeafField<string | undefined>;
}

/** Text converted to a richer value (an address, say); `parse` returns the value or the fix. */
export function parsed<T>(
  o: { description: string; default: string; example?: string },
  parse: (raw: string) => Converted<T>,
): LeafField<T> {
  return leaf<T>('string', o, (raw) => {
    const s = asString(raw);
    return s.ok ? parse(s.value) : s;
  });
}

export function int(o: LeafOptions<number> & { default: number; min: number; max: number }): LeafField<number> {
  return leaf<number>('integer', o, (raw) => {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) return bad(`expected a whole number, got ${describe(raw)}`);
    if (raw < o.min || raw > o.max) return bad(`use a whole number from ${o.min} to ${o.max}, not ${raw}`);
    return ok(raw);
  });
}

export function bool(o: LeafOptions<boolean> & { default: boolean }): LeafField<boolean> {
  return leaf<boolean>('boolean', o, (raw) =>
    typeof raw === 'boolean' ? ok(raw) : bad(`expected true or false, got ${describe(raw)}`),
  );
}

export function oneOf<const V extends readonly [string, ...string[]]>(
  o: LeafOptions<V[number]> & { values: V; default: V[number] },
): LeafField<V[number]> {
  return leaf<V[number]>('enum', { ...o, allowed: o.values }, (raw) =>
    typeof raw === 'string' && (o.values as readonly string[]).includes(raw)
      ? ok(raw as V[number])
      : bad(`use one of ${o.values.join(' | ')}, not ${describe(raw)}`),
  );
}

/** A list of text items; `checkItem` returns the fix for one bad item. */
export function list(
  o: { description: string; example: readonly string[]; checkItem?: (item: string) => Fix },
): LeafField<readonly string[]> {
  const field = leaf<readonly string[]>('list', { description: o.description, example: o.example, default: [] }, (raw) =>
    Array.isArray(raw) ? ok(raw as readonly string[]) : bad(`expected a list, got ${describe(raw)}`),
  );
  return o.checkItem ? { ...field, checkItem: o.checkItem } : field;
}

export function secret(o: { description: string; env: string; exampleFile: string }): SecretField {
  return { kind: 'secret', ...o };
}

export function section<Fs extends Record<string, AnyField>>(
  description: string,
  fields: Fs,
): SectionField<SectionValue<Fs>> {
  return { kind: 'section', description, fields };
}

export function mapOf<T>(o: {
  description: string;
  entry: SectionField<T>;
  keyPattern: RegExp;
  exampleKey: string;
}): MapField<T> {
  return { kind: 'map', ...o };
}

/** The `_file` sibling key that holds a secret's path. */
export const secretFileKey = (key: string): string => `${key}_file`;
