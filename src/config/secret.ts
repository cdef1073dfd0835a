import { inspect } from 'node:util';

/** Where a secret came from; logged instead of the value so operators can tell which one won. */
export type SecretSource =
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'inline' };

/**
 * A token or password from the config. The value is only reachable through `reveal()`; every
 * way of printing the object (template strings, JSON, util.inspect, console.log) shows
 * `[secret]`, so a Config can be logged whole without leaking it (DESIGN.md §5).
 */
export class Secret {
  readonly #value: string;
  constructor(
    value: string,
    readonly source: SecretSource,
  ) {
    if (typeof value !== 'string' || value.length === 0) throw new TypeError('Secret: value must be non-empty text');
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return `[secret from ${describeSource(this.source)}]`;
  }
}

export function describeSource(source: SecretSource): string {
  switch (source.kind) {
    case 'env':
      return `environment variable ${source.variable}`;
    case 'file':
      return `file ${source.path}`;
    case 'inline':
      return 'the config file';
  }
}
