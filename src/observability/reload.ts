// Which config keys changed between the running Config and a freshly loaded one, and which of
// those can be applied without a restart (issue 8: "SIGHUP reloads the keys that can change safely
// and says which it applied"). Only key paths are reported, never values: a changed token is
// reported as `homeserver.appservice.as_token`, not shown.
import { Secret, type Config } from '../config/index.js';
import type { Logger } from './logger.js';

/** The keys this layer can apply itself (to a Logger); the daemon adds its own. */
export const LOGGING_RELOADABLE_KEYS: readonly string[] = ['logging.level', 'logging.json'];

export interface ReloadPlan {
  /** Every dotted key path whose value differs, in schema order. */
  readonly changed: readonly string[];
  /** Changed keys covered by the reloadable list. */
  readonly apply: readonly string[];
  /** Changed keys that need a restart to take effect. */
  readonly needsRestart: readonly string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Secret);
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Secret || b instanceof Secret) return a instanceof Secret && b instanceof Secret && a.reveal() === b.reveal();
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  return Object.is(a, b);
}

/** Dotted paths of the leaves (or whole lists) that differ; a section present on one side only counts as itself. */
export function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  if (!(isPlainObject(before) && isPlainObject(after))) return same(before, after) ? [] : [prefix || '(document)'];
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  for (const k of keys) {
    const path = prefix ? `${prefix}.${k}` : k;
    const a = before[k];
    const b = after[k];
    if (isPlainObject(a) && isPlainObject(b)) out.push(...changedKeys(a, b, path));
    else if (!same(a, b)) out.push(path);
  }
  return out;
}

/** A key is reloadable if it or one of its parent sections is in `reloadable`. */
export function planReload(before: Config, after: Config, reloadable: readonly string[]): ReloadPlan {
  const changed = changedKeys(before, after);
  const covered = (k: string) => reloadable.some((r) => k === r || k.startsWith(`${r}.`));
  return { changed, apply: changed.filter(covered), needsRestart: changed.filter((k) => !covered(k)) };
}

/** Applies `logging.level` and `logging.json` to a logger family; returns the keys it applied. */
export function applyLoggingConfig(log: Logger, before: Config['logging'], after: Config['logging']): string[] {
  const applied: string[] = [];
  if (before.level !== after.level) applied.push('logging.level');
  if (before.json !== after.json) applied.push('logging.json');
  log.configure({ level: after.level, json: after.json });
  return applied;
}
