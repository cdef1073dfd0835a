import { strict as assert } from 'node:assert';
import { ircLower, NickAllocator, sanitiseNick } from '../../../src/irc/index.js';

const VALID = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]*$/;

describe('irc nick sanitising (RFC 2812 §2.3.1)', () => {
  it('keeps a plain name and drops spaces between words to _', () => {
    assert.equal(sanitiseNick('alice', 30), 'alice');
    assert.equal(sanitiseNick('Alice Smith', 30), 'Alice_Smith');
  });

  it('reduces accents to their base letters and drops what IRC cannot carry', () => {
    assert.equal(sanitiseNick('Zoë Ünal', 30), 'Zoe_Unal');
    assert.equal(sanitiseNick('a:b!c@d#e', 30), 'abcde');
  });

  it('prefixes a name that starts with a digit or dash', () => {
    assert.equal(sanitiseNick('42isthe', 30), '_42isthe');
    assert.equal(sanitiseNick('-x', 30), '_-x');
  });

  it('makes a hostile name (spaces, colons, control characters, 200 chars) a valid nick of the limit', () => {
    const hostile = `:evil\r\nQUIT :bye\0 ${'x'.repeat(200)}`;
    const n = sanitiseNick(hostile, 16);
    assert.match(n, VALID);
    assert.ok(n.length <= 16);
    assert.ok(!/[\r\n\0 :]/.test(n));
  });

  it('falls back for a name with nothing usable', () => {
    assert.equal(sanitiseNick('💥💥', 30), 'kp');
    assert.equal(sanitiseNick('   ', 30), 'kp');
  });

  it('refuses a wrong kind or a too small limit', () => {
    assert.throws(() => sanitiseNick(3 as unknown as string), TypeError);
    assert.throws(() => sanitiseNick('a', 1), RangeError);
  });

  it('folds case with the rfc1459 mapping', () => {
    assert.equal(ircLower('Nick[]\\~'), 'nick{}|^');
  });
});

describe('irc nick collisions', () => {
  it('gives two ghosts with the same name distinct nicks, and the same owner keeps its own', () => {
    const a = new NickAllocator(30);
    assert.equal(a.allocate('g1', 'alice'), 'alice');
    assert.equal(a.allocate('g2', 'Alice'), 'Alice2');
    assert.equal(a.allocate('g1', 'alice'), 'alice');
    assert.equal(a.ownerOf('ALICE2'), 'g2');
  });

  it('shortens the base so a suffix still fits the length limit', () => {
    const a = new NickAllocator(5);
    assert.equal(a.allocate('g1', 'abcdefgh'), 'abcde');
    assert.equal(a.allocate('g2', 'abcdefgh'), 'abcd2');
  });

  it('avoids reserved nicks (the bot, real users) and a nick the server refused', () => {
    const a = new NickAllocator(30);
    a.reserve('KatzenBridge');
    assert.equal(a.allocate('g1', 'katzenbridge'), 'katzenbridge2');
    assert.equal(a.allocate('g2', 'bob', 'bob'), 'bob2');
  });

  it('frees a nick when its owner is renamed', () => {
    const a = new NickAllocator(30);
    a.allocate('g1', 'carol');
    a.allocate('g1', 'dave');
    assert.equal(a.allocate('g2', 'carol'), 'carol');
  });
});
