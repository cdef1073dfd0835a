// Problems no single key shows: values that are fine alone but not together. They run on the
// converted values even when other keys had problems (so every problem is reported at once);
// hence the partial type, where any value may be missing.
import { ConfigError } from './errors.js';
import type { Config } from './schema.js';
import type { Secret } from './secret.js';

type Partial_<T> = T extends readonly unknown[] ? T : T extends object ? { readonly [K in keyof T]?: Partial_<T[K]> } : T;
export type PartialConfig = Partial_<Config> | undefined;

export function checkCombinations(config: PartialConfig, lines: ReadonlyMap<string, number>): ConfigError[] {
  const problems: ConfigError[] = [];
  const at = (path: string, fallback = ''): number => lines.get(path) ?? lines.get(fallback) ?? 0;
  const add = (path: string, line: number, fix: string): void => {
    problems.push(new ConfigError(path, line, fix, 'bad_combination'));
  };
  const networks = config?.irc?.networks ?? {};

  for (const [name, net] of Object.entries(networks)) {
    if (!net) continue;
    const p = `irc.networks.${name}`;
    const env = `KATZENBRIDGE_IRC_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`;
    if (net.sasl === true && net.account === undefined && !lines.has(`${p}.account`)) {
      add(`${p}.account`, at(`${p}.sasl`, p), 'sasl is true: set account to the SASL account name, or set sasl: false');
    }
    if (net.sasl === true && net.password === undefined && !lines.has(`${p}.password`) && !lines.has(`${p}.password_file`)) {
      add(`${p}.password`, at(`${p}.sasl`, p), `sasl is true: set password_file (or ${env}) to the SASL password, or set sasl: false`);
    }
    if (net.sasl === false && net.account !== undefined) {
      add(`${p}.account`, at(`${p}.account`, p), 'account is only used for SASL: set sasl: true, or remove account');
    }
    if (net.puppet_mode === 'puppets' && net.max_connections !== undefined && net.max_connections < 2) {
      add(`${p}.max_connections`, at(`${p}.max_connections`, p), 'puppets mode needs at least 2 connections (the bot and one puppet); raise it or use puppet_mode: relay');
    }
    checkChannels(net.channels ?? [], `${p}.channels`, at, add);
    // A hostmask only widens how a listed admin is recognised; it never makes someone an admin.
    (net.admin_hostmasks ?? []).forEach((item, i) => {
      const who = `irc:${name}/${item.slice(0, item.indexOf('='))}`;
      if (item.includes('=') && !(config?.bridge?.admins ?? []).includes(who)) {
        add(`${p}.admin_hostmasks[${i}]`, at(`${p}.admin_hostmasks[${i}]`, `${p}.admin_hostmasks`), `add "${who}" to bridge.admins, or remove this hostmask (it names no admin)`);
      }
    });
  }

  (config?.bridge?.admins ?? []).forEach((admin, i) => {
    const m = /^irc:([^/]+)\//.exec(admin);
    if (m && !(m[1]! in networks)) {
      const known = Object.keys(networks);
      add(`bridge.admins[${i}]`, at(`bridge.admins[${i}]`, 'bridge.admins'), `no IRC network named ${m[1]} is configured; use ${known.length ? known.join(' or ') : 'a network added under irc.networks'}`);
    }
  });

  // MediaLinks (irc/media-links.ts) wants a 32-byte HMAC key; shorter text is guessable.
  // The partial type maps Secret's methods away; the value is a Secret or absent.
  const linkKey = config?.media?.link_key as Secret | undefined;
  if (linkKey && new TextEncoder().encode(linkKey.reveal()).length < 32) {
    add('media.link_key', at('media.link_key', 'media.link_key_file'), 'use at least 32 characters (e.g. `openssl rand -hex 32`), or unset it to derive one from secrets.key_file');
  }

  // Listeners that would run together must not share a port.
  const as = config?.homeserver?.appservice;
  const listeners: Array<{ key: string; host?: string | undefined; port?: number | undefined }> = [
    ...(config?.homeserver?.enabled !== false ? [{ key: 'homeserver.appservice.port', host: as?.bind_address, port: as?.port }] : []),
    ...(config?.metrics?.enabled === true ? [{ key: 'metrics.listen', ...config.metrics.listen }] : []),
    ...(config?.media?.public_url !== undefined && Object.keys(networks).length > 0 ? [{ key: 'media.listen', ...config.media.listen }] : []),
  ];
  listeners.forEach((b, i) => {
    const a = listeners.slice(0, i).find((a) => a.port !== undefined && a.port === b.port && sameHost(a.host, b.host));
    if (a) add(b.key, at(b.key, a.key), `port ${b.port} is already ${a.key}; pick another port for one of them`);
  });
  return problems;
}

/** Each channel and each group at most once per network: a second mapping could never apply. */
function checkChannels(items: readonly string[], path: string, at: (p: string, f?: string) => number, add: (p: string, l: number, f: string) => void): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const eq = item.lastIndexOf('=');
    if (eq < 0) return; // the item's own check reports it
    // RFC 1459 §2.2: {}|^ are the lower case of []\~ in channel names.
    const channel = item.slice(0, eq).toLowerCase().replace(/[[\]\\~]/g, (c) => ({ '[': '{', ']': '}', '\\': '|', '~': '^' })[c]!);
    for (const [what, k] of [['channel', `c:${channel}`], ['group', `g:${item.slice(eq + 1)}`]] as const) {
      const first = seen.get(k);
      if (first !== undefined) add(`${path}[${i}]`, at(`${path}[${i}]`, path), `this ${what} is already mapped in ${path}[${first}]; keep one mapping per ${what}`);
      else seen.set(k, i);
    }
  });
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
const sameHost = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && (a === b || isWildcard(a) || isWildcard(b));
