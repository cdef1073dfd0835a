// Problems no single key shows: values that are fine alone but not together. They run on the
// converted values even when other keys had problems (so every problem is reported at once);
// hence the partial type, where any value may be missing.
import { ConfigError } from './errors.js';
import type { Config } from './schema.js';

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
  }

  (config?.bridge?.admins ?? []).forEach((admin, i) => {
    const m = /^irc:([^/]+)\//.exec(admin);
    if (m && !(m[1]! in networks)) {
      const known = Object.keys(networks);
      add(`bridge.admins[${i}]`, at(`bridge.admins[${i}]`, 'bridge.admins'), `no IRC network named ${m[1]} is configured; use ${known.length ? known.join(' or ') : 'a network added under irc.networks'}`);
    }
  });

  const as = config?.homeserver?.appservice;
  const m = config?.metrics;
  const listen = m?.listen;
  if (m?.enabled === true && listen?.port !== undefined && as?.port === listen.port && as.bind_address !== undefined && listen.host !== undefined) {
    if (listen.host === as.bind_address || isWildcard(listen.host) || isWildcard(as.bind_address)) {
      add('metrics.listen', at('metrics.listen', 'homeserver.appservice.port'), `port ${as.port} is already homeserver.appservice.port; pick another port for one of them`);
    }
  }
  return problems;
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
