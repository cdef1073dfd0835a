import { strict as assert } from 'node:assert';
import { plainForIrc, stripFormatting } from '../../../src/irc/index.js';

describe('irc mIRC formatting', () => {
  it('strips bold, italic, underline, reverse, strikethrough, monospace and reset', () => {
    assert.equal(stripFormatting('\x02bold\x02 \x1ditalic\x1d \x1fu\x1f \x16r\x16 \x1es\x1e \x11m\x11 x\x0f'), 'bold italic u r s m x');
  });

  it('strips colour codes with their numbers, but keeps digits that follow a complete code', () => {
    assert.equal(stripFormatting('\x034red\x03 \x034,12on blue\x03 \x03123'), 'red on blue 3');
    assert.equal(stripFormatting('\x04FF0000hex\x04'), 'hex');
  });

  it('maps bold and italic to *…* and _…_ when asked, closing open spans', () => {
    assert.equal(stripFormatting('\x02hi\x02 \x1dthere', 'map'), '*hi* _there_');
    assert.equal(stripFormatting('\x02\x034bold red', 'map'), '*bold red*');
  });

  it('removes formatting and control bytes from text going to IRC', () => {
    assert.equal(plainForIrc('a\x02b\x01c\x07d\te'), 'abcd\te');
  });
});
