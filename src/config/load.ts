// YAML text or file -> readonly Config, or InvalidConfigError listing every problem with its key
// path and line. The daemon calls this before anything else, so an invalid config never starts it.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { checkCombinations, type PartialConfig } from './checks.js';
import { ConfigError, InvalidConfigError } from './errors.js';
import { SCHEMA, type Config } from './schema.js';
import { walkDocument, type ConfigEnvironment } from './validate.js';

/** The real environment: process variables and files on disk. */
export const PROCESS_ENVIRONMENT: ConfigEnvironment = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

export interface ConfigCheck {
  readonly config: Config | undefined;
  readonly problems: readonly ConfigError[];
}

/** Parses and validates; never throws for bad input, returns every problem instead. */
export function checkConfigText(text: string, cenv: ConfigEnvironment = PROCESS_ENVIRONMENT): ConfigCheck {
  if (typeof text !== 'string') throw new TypeError(`checkConfigText: text must be a string, got ${typeof text}`);
  checkEnvironment(cenv);
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) makes a repeated key a syntax error rather than a silent override.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map(
      (e) => new ConfigError('', e.linePos?.[0].line ?? 0, `fix the YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, 'yaml_syntax', { cause: e }),
    );
    return { config: undefined, problems };
  }
  const walked = walkDocument(doc, lineCounter, SCHEMA, cenv);
  // Combination checks also run on a partly invalid config (every problem at once), but a
  // combination involving a key that already has its own problem would only repeat it.
  const combos = checkCombinations(walked.value as PartialConfig, walked.lines).filter(
    (c) => !walked.problems.some((p) => p.keyPath === c.keyPath || c.keyPath.startsWith(`${p.keyPath}.`) || c.keyPath.startsWith(`${p.keyPath}[`)),
  );
  const problems = [...walked.problems, ...combos].sort((a, b) => a.line - b.line);
  if (problems.length > 0) return { config: undefined, problems };
  return { config: deepFreeze(walked.value as Config), problems: [] };
}

/** Parses and validates `text`; `source` names it in the error (a file path). */
export function loadConfigText(text: string, source = 'config', cenv: ConfigEnvironment = PROCESS_ENVIRONMENT): Config {
  const { config, problems } = checkConfigText(text, cenv);
  if (!config) throw new InvalidConfigError(source, problems);
  return config;
}

/** Reads and validates a config file; an unreadable file is one problem like any other. */
export function checkConfigFile(path: string, cenv: ConfigEnvironment = PROCESS_ENVIRONMENT): ConfigCheck {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('checkConfigFile: path must be non-empty text');
  checkEnvironment(cenv);
  let text: string;
  try {
    text = cenv.readFile(path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    return { config: undefined, problems: [new ConfigError('', 0, `cannot read the config file (${why}); check the path`, 'unreadable_file', { cause: e })] };
  }
  return checkConfigText(text, cenv);
}

export function loadConfigFile(path: string, cenv: ConfigEnvironment = PROCESS_ENVIRONMENT): Config {
  const { config, problems } = checkConfigFile(path, cenv);
  if (!config) throw new InvalidConfigError(path, problems);
  return config;
}

function checkEnvironment(cenv: ConfigEnvironment): void {
  if (typeof cenv !== 'object' || cenv === null || typeof cenv.env !== 'object' || cenv.env === null || typeof cenv.readFile !== 'function') {
    throw new TypeError('config: the environment must have env (an object) and readFile (a function)');
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
