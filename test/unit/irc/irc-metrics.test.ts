import { strict as assert } from 'node:assert';
import { ircMetrics, trackConnection, type ConnectionState } from '../../../src/irc/index.js';
import { Registry } from '../../../src/observability/index.js';

describe('irc connection state as metrics', () => {
  it('shows the bot up and down, counts puppets and reconnects, one definition per registry', () => {
    const registry = new Registry();
    const m = ircMetrics(registry);
    assert.equal(ircMetrics(registry), m, 'a second network shares the series');
    const listeners: Array<(s: ConnectionState) => void> = [];
    const fire = (i: number, s: ConnectionState): void => listeners[i]!(s);
    trackConnection(m, 'libera', 'bot', (l) => listeners.push(l));
    trackConnection(m, 'libera', 'puppet', (l) => listeners.push(l));
    trackConnection(m, 'libera', 'puppet', (l) => listeners.push(l));
    fire(0, 'connecting');
    assert.equal(m.botConnected.get({ network: 'libera' }), 0);
    fire(0, 'registered');
    fire(1, 'registered');
    fire(2, 'registered');
    assert.equal(m.botConnected.get({ network: 'libera' }), 1);
    assert.equal(m.puppetsConnected.get({ network: 'libera' }), 2);
    fire(0, 'reconnecting');
    fire(1, 'reconnecting');
    assert.equal(m.botConnected.get({ network: 'libera' }), 0);
    assert.equal(m.puppetsConnected.get({ network: 'libera' }), 1);
    fire(0, 'registered');
    assert.equal(m.reconnects.get({ network: 'libera', role: 'bot' }), 1);
    assert.equal(m.reconnects.get({ network: 'libera', role: 'puppet' }), 0);
  });
});
