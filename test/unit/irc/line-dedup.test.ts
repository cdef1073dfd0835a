import { strict as assert } from 'node:assert';
import { LineDedup } from '../../../src/irc/index.js';

const line = (connection: string, text: string, sender = 'dave') => ({ connection, target: '#c', sender, command: 'privmsg', text });

describe('irc dedup of lines seen by several puppet connections', () => {
  it('processes a line seen by three connections once', () => {
    const d = new LineDedup(() => 0);
    const seen = ['bot', 'p1', 'p2'].map((c) => d.firstSight(line(c, 'hello')));
    assert.deepEqual(seen, [true, false, false]);
  });

  it('processes two identical lines in a row once each, whichever connection sees them first', () => {
    const d = new LineDedup(() => 0);
    const out = [
      d.firstSight(line('bot', 'ok')),
      d.firstSight(line('p1', 'ok')),
      d.firstSight(line('p1', 'ok')), // p1 is ahead for the second one
      d.firstSight(line('bot', 'ok')),
    ];
    assert.deepEqual(out, [true, false, true, false]);
  });

  it('keeps lines from different senders, channels or commands apart', () => {
    const d = new LineDedup(() => 0);
    assert.ok(d.firstSight(line('bot', 'x', 'dave')));
    assert.ok(d.firstSight(line('p1', 'x', 'erin')));
    assert.ok(d.firstSight({ ...line('p1', 'x'), command: 'action' }));
    assert.ok(d.firstSight({ ...line('p1', 'x'), target: '#d' }));
  });

  it('uses the IRCv3 msgid when the server sends one', () => {
    const d = new LineDedup(() => 0);
    assert.ok(d.firstSight({ ...line('bot', 'same'), msgid: 'm1' }));
    assert.ok(!d.firstSight({ ...line('p1', 'same'), msgid: 'm1' }));
    assert.ok(d.firstSight({ ...line('p1', 'same'), msgid: 'm2' }));
  });

  it('a reconnected connection does not re-process lines, and processes new ones alone', () => {
    const d = new LineDedup(() => 0);
    d.firstSight(line('bot', 'hi'));
    d.firstSight(line('p1', 'hi'));
    d.resync('p1');
    assert.ok(d.firstSight(line('p1', 'hi')), 'a new "hi" seen only by p1 is processed');
    assert.ok(!d.firstSight(line('bot', 'hi')));
  });

  it('forgets after the window so memory stays bounded', () => {
    let t = 0;
    const d = new LineDedup(() => t, 1000);
    d.firstSight(line('bot', 'a'));
    t = 5000;
    d.firstSight(line('bot', 'b'));
    assert.equal(d.size, 1);
  });
});
