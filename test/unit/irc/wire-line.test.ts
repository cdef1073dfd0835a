import { strict as assert } from 'node:assert';
import { commandLine, IrcLineError, renderLines, splitMessage, textLine } from '../../../src/irc/index.js';

// RFC 1459 §2.3.1: CR, LF and NUL end or corrupt a line; text must never be able to start a
// command of its own.
const INJECTIONS = ['hi\r\nQUIT :bye', 'hi\nJOIN #other', 'hi\rPRIVMSG #x :spam', 'nul\0QUIT', '\x01DCC SEND x\x01', 'a\r\n\r\nMODE #c +o evil'];

describe('irc line injection (CR/LF/NUL)', () => {
  it('textLine refuses text with CR, LF, NUL or a CTCP delimiter', () => {
    for (const t of INJECTIONS) {
      assert.throws(() => textLine('PRIVMSG', '#c', t), (e: unknown) => e instanceof IrcLineError && e.code === 'bad_text', JSON.stringify(t));
    }
  });

  it('textLine refuses a target that is not one parameter', () => {
    for (const t of ['#a b', ':x', '#a\r\nQUIT', '', '#a,#b']) {
      assert.throws(() => textLine('PRIVMSG', t, 'x'), (e: unknown) => e instanceof IrcLineError && e.code === 'bad_target', JSON.stringify(t));
    }
  });

  it('commandLine refuses parameters with spaces and trailing text with line breaks', () => {
    assert.throws(() => commandLine('JOIN', ['#a b']), IrcLineError);
    assert.throws(() => commandLine('TOPIC', ['#a'], 'x\r\nQUIT'), IrcLineError);
    assert.equal(commandLine('TOPIC', ['#a'], 'new topic'), 'TOPIC #a :new topic');
  });

  it('hostile message text renders to lines that are each exactly one PRIVMSG with no CR/LF/NUL/0x01', async () => {
    for (const t of INJECTIONS) {
      const lines = await renderLines({ kind: 'text', text: t }, { target: '#c', senderNick: 'kb', relayName: 'evil\r\nQUIT', maxLines: 10 });
      for (const l of lines) {
        assert.ok(!/[\r\n\0\x01]/.test(l), JSON.stringify(l));
        assert.ok(l.startsWith('PRIVMSG #c :<evilQUIT> '), l);
      }
    }
    // Each embedded line break becomes a separate message, never a separate command.
    assert.deepEqual(splitMessage(INJECTIONS[0]!, 100), ['hi', 'QUIT :bye']);
  });
});
