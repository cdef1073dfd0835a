/** Stable codes for config problems; tests and tools match on these, never on message text. */
export type ConfigErrorCode =
  | 'yaml_syntax'
  | 'unknown_key'
  | 'wrong_type'
  | 'missing_value'
  | 'bad_value'
  | 'bad_combination'
  | 'unreadable_file';

/**
 * One problem in a config file: which key (dotted path, `irc.networks.libera.port`), on which
 * line (1-based; 0 when the file has no line for it, e.g. an environment variable), and what the
 * operator should do about it. STYLE.md §5: config errors name the key and the fix.
 * Messages never contain secret values, only where a secret was looked for.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly keyPath: string,
    readonly line: number,
    readonly whatToDo: string,
    readonly code: ConfigErrorCode,
    options?: ErrorOptions,
  ) {
    super(`${keyPath || '(document)'}${line > 0 ? ` (line ${line})` : ''}: ${whatToDo}`, options);
  }
}

/** Thrown by the loader with every problem found, so an operator fixes the file in one pass. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
  readonly code = 'invalid_config';
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigError[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` +
        problems.map((p) => `  ${formatProblem(source, p)}`).join('\n'),
    );
  }
}

/** `config.yaml:12: homeserver.url: use an http:// or https:// URL` — the shape compilers use. */
export function formatProblem(source: string, p: ConfigError): string {
  return `${source}${p.line > 0 ? `:${p.line}` : ''}: ${p.keyPath || '(document)'}: ${p.whatToDo}`;
}
