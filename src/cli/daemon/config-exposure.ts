// The systemd unit reads the config from /etc/katzenbridge/config.yaml, readable by the service's
// dynamic user (0644), instead of as a credential, so that `systemctl reload` sees an edit
// (credentials are copied once at start). Such a file must hold no secret inline: this names the
// inline ones by key path (never their values) when the file is readable beyond its owner, at
// start and at each reload, with the fix.
import { statSync } from 'node:fs';
import { Secret, type Config } from '../../config/index.js';
import type { Logger } from '../../observability/index.js';

/** Dotted key paths of the secrets written in the config file itself. */
export function inlineSecretKeys(v: unknown, prefix = ''): string[] {
  if (v instanceof Secret) return v.source.kind === 'inline' ? [prefix] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => inlineSecretKeys(x, `${prefix}[${i}]`));
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => inlineSecretKeys(x, prefix ? `${prefix}.${k}` : k));
  return [];
}

export const INLINE_SECRETS_FIX =
  'move them to *_file keys (under systemd: LoadCredential= and /run/credentials/katzenbridge.service/NAME) or KATZENBRIDGE_* variables';

/** The inline secrets of `config` when `path` is readable by its group or others: their key
 *  paths and the file's mode; undefined when there is nothing to say. */
export function readableInlineSecrets(path: string, config: Config): { mode: string; keys: string[] } | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined; // it was just read; a race with an editor is not worth a warning
  }
  if ((mode & 0o044) === 0) return undefined;
  const keys = inlineSecretKeys(config);
  return keys.length > 0 ? { mode: mode.toString(8).padStart(4, '0'), keys } : undefined;
}

/** Logs `config.inline_secrets_readable` (warn) if `path` is readable by its group or others and
 *  `config` has inline secrets; returns their key paths (empty when there is nothing to say). */
export function warnIfInlineSecretsReadable(path: string, config: Config, log: Logger): string[] {
  const exposed = readableInlineSecrets(path, config);
  if (!exposed) return [];
  log.warn('config.inline_secrets_readable', { path, mode: exposed.mode, keys: exposed.keys, fix: INLINE_SECRETS_FIX });
  return exposed.keys;
}
