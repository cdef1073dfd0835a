// SIGHUP (issue 8): re-read the config, apply the keys that can change without a restart, and
// say which changed keys were applied and which wait for one. Only logging changes in place
// today: everything else is held by running parts (sockets, the core's settings, the frontends),
// and half-applying them would leave the daemon in a state no config file describes.
import { Secret, type Config } from '../../config/index.js';

/** Keys applied on SIGHUP. */
export const RELOADABLE_KEYS: readonly string[] = ['logging.level', 'logging.json'];

export interface ReloadPlan {
  /** Changed keys that will be applied now. */
  readonly apply: readonly string[];
  /** Changed keys that take effect only after a restart. */
  readonly restart: readonly string[];
}

/** Key paths whose values differ. Secrets are compared, never printed. */
export function changedKeys(a: unknown, b: unknown, path = ''): string[] {
  if (a instanceof Secret || b instanceof Secret) {
    const same = a instanceof Secret && b instanceof Secret && a.reveal() === b.reveal();
    return same ? [] : [path];
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedKeys(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

export function planReload(running: Config, next: Config): ReloadPlan {
  const changed = changedKeys(running, next);
  return {
    apply: changed.filter((k) => RELOADABLE_KEYS.includes(k)),
    restart: changed.filter((k) => !RELOADABLE_KEYS.includes(k)),
  };
}
