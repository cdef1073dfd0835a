// What a CLI command is: a value with its name, one-line summary, usage and help text, and a run
// function (after bridgev2's commands-as-values). The dispatcher derives `--help`, the command
// list and unknown-command errors from these, so adding a command is one line in commands/index.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes and what it may read; injected so tests need no real process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const EXIT_OK = 0;
/** The command ran and found a problem (bad config, unwritable file). */
export const EXIT_FAILURE = 1;
/** The command line itself was wrong: unknown command or flag, missing argument. */
export const EXIT_USAGE = 2;

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** e.g. `katzenbridge check-config FILE` */
  readonly usage: string;
  /** Paragraphs shown by `katzenbridge NAME --help`, including every flag. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. Throws UsageError for a bad command line. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** A wrong command line; the dispatcher prints it with the usage and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs in strict mode, its errors turned into UsageError with a plain message. */
export function parseFlags<O extends Options>(argv: readonly string[], options: O, positionals: { min: number; max: number }) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals.max > 0 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(err.message)?.[1] ?? 'flag';
      throw new UsageError(`unknown flag ${flag}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(err.message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
    }
    throw e;
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`missing argument${positionals.min - n > 1 ? 's' : ''}`);
  if (n > positionals.max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`);
  return parsed;
}
