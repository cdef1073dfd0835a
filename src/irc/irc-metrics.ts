import type { Counter, Gauge, Registry } from '../observability/index.js';
import type { ConnectionState } from './connection.js';

/**
 * The IRC side's visible connection state (issue 7) as Prometheus series, beside the logs'
 * irc.connection_state lines: per network, whether the bot is registered, how many puppet
 * connections are, and how often connections were re-established. Defined once per registry
 * (a registry refuses a name twice) and shared by every network's frontend.
 */

export interface IrcMetrics {
  readonly botConnected: Gauge<'network'>;
  readonly puppetsConnected: Gauge<'network'>;
  readonly reconnects: Counter<'network' | 'role'>;
}

const byRegistry = new WeakMap<Registry, IrcMetrics>();

export function ircMetrics(registry: Registry): IrcMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = {
      botConnected: registry.gauge<'network'>({ name: 'katzenbridge_irc_bot_connected', help: '1 while the bridge bot is registered on the IRC network, else 0.', labelNames: ['network'] }),
      puppetsConnected: registry.gauge<'network'>({ name: 'katzenbridge_irc_puppets_connected', help: 'Puppet connections registered on the IRC network.', labelNames: ['network'] }),
      reconnects: registry.counter<'network' | 'role'>({ name: 'katzenbridge_irc_reconnects_total', help: 'IRC connections re-established after a drop, by network and role (bot, puppet).', labelNames: ['network', 'role'] }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}

/** Feeds one connection's state changes into the series. */
export function trackConnection(m: IrcMetrics, network: string, role: 'bot' | 'puppet', onState: (l: (s: ConnectionState) => void) => void): void {
  let registeredBefore = false;
  let up = false;
  onState((s) => {
    const nowUp = s === 'registered';
    if (nowUp && registeredBefore) m.reconnects.inc({ network, role });
    if (nowUp) registeredBefore = true;
    if (nowUp === up) return;
    up = nowUp;
    if (role === 'bot') m.botConnected.set({ network }, up ? 1 : 0);
    else if (up) m.puppetsConnected.inc({ network });
    else m.puppetsConnected.dec({ network });
  });
}
