import { strict as assert } from 'node:assert';
import { limitLines, renderLines, splitMessage, textBudgetBytes } from '../../../src/irc/index.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('irc line splitting at UTF-8 boundaries', () => {
  it('keeps a short message as one line', () => {
    assert.deepEqual(splitMessage('hello world', 100), ['hello world']);
  });

  it('never cuts a multi-byte character, and every line fits the byte budget', () => {
    const text = 'ä€😀'.repeat(100); // 2 + 3 + 4 bytes
    for (const max of [8, 9, 10, 31, 64, 100]) {
      const lines = splitMessage(text, max);
      assert.equal(lines.join(''), text, `max ${max}: nothing lost or changed`);
      for (const l of lines) {
        assert.ok(bytes(l) <= max, `max ${max}: ${bytes(l)} bytes`);
        assert.ok(!l.includes('\ufffd'));
      }
    }
  });

  it('breaks at a space near the end so words stay whole', () => {
    const lines = splitMessage('aaaa bbbb cccc dddd', 10);
    assert.deepEqual(lines, ['aaaa bbbb', 'cccc dddd']);
  });

  it('turns newlines into separate lines and drops blank ones', () => {
    assert.deepEqual(splitMessage('one\r\ntwo\n\nthree\rfour', 100), ['one', 'two', 'three', 'four']);
  });

  it('computes a budget that leaves room for the relayed prefix within 512 bytes', () => {
    const b = textBudgetBytes({ command: 'PRIVMSG', target: '#chan', nick: 'alice' });
    const relayed = `:alice!${'u'.repeat(10)}@${'h'.repeat(63)} PRIVMSG #chan :${'x'.repeat(b)}\r\n`;
    assert.ok(bytes(relayed) <= 512, `${bytes(relayed)} bytes`);
    assert.throws(() => textBudgetBytes({ command: 'PRIVMSG', target: '#'.repeat(480), nick: 'a' }), RangeError);
  });
});

describe('irc long-message policy', () => {
  it('keeps up to maxLines lines as they are', () => {
    assert.deepEqual(limitLines(['a', 'b'], 2, () => 'x'), ['a', 'b']);
  });

  it('past maxLines keeps maxLines-1 lines and ends with the overflow line', () => {
    assert.deepEqual(limitLines(['a', 'b', 'c', 'd', 'e'], 3, (n) => `+${n}`), ['a', 'b', '+3']);
  });

  it('renders a long message as N lines with a link to the whole text', async () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n');
    let stored = '';
    const lines = await renderLines({ kind: 'text', text }, { target: '#c', senderNick: 'bob', maxLines: 3, overflowLink: async (t) => ((stored = t), 'https://m/x') });
    assert.deepEqual(lines, ['PRIVMSG #c :line 0', 'PRIVMSG #c :line 1', 'PRIVMSG #c :… (8 more lines: https://m/x)']);
    assert.equal(stored, text);
  });

  it('says the rest was cut when no link can be made', async () => {
    const lines = await renderLines({ kind: 'text', text: 'a\nb\nc' }, { target: '#c', senderNick: 'bob', maxLines: 2 });
    assert.deepEqual(lines, ['PRIVMSG #c :a', 'PRIVMSG #c :… (2 more lines not shown)']);
  });

  it('relays with the member name prefix, actions as "* name", notices as NOTICE', async () => {
    assert.deepEqual(await renderLines({ kind: 'text', text: 'hi' }, { target: '#c', senderNick: 'kb', relayName: 'Al', maxLines: 4 }), ['PRIVMSG #c :<Al> hi']);
    assert.deepEqual(await renderLines({ kind: 'emote', text: 'waves' }, { target: '#c', senderNick: 'kb', relayName: 'Al', maxLines: 4 }), ['PRIVMSG #c :* Al waves']);
    assert.deepEqual(await renderLines({ kind: 'emote', text: 'waves' }, { target: '#c', senderNick: 'al', maxLines: 4 }), ['PRIVMSG #c :\x01ACTION waves\x01']);
    assert.deepEqual(await renderLines({ kind: 'notice', text: 'n' }, { target: '#c', senderNick: 'kb', maxLines: 4 }), ['NOTICE #c :n']);
  });
});
