/**
 * mIRC formatting (the de-facto codes documented at modern.ircdocs.horse/formatting): bold 0x02,
 * colour 0x03[fg[,bg]], hex colour 0x04[rrggbb[,rrggbb]], reset 0x0F, monospace 0x11, reverse
 * 0x16, italic 0x1D, strikethrough 0x1E, underline 0x1F. Katzenpost clients show plain text, so
 * incoming lines are reduced to text; bold and italic may instead be mapped to the *…* and _…_
 * people already type in plain text.
 */

const COLOUR = /\x03(?:\d{1,2}(?:,\d{1,2})?)?/g;
const HEX_COLOUR = /\x04(?:[0-9A-Fa-f]{6}(?:,[0-9A-Fa-f]{6})?)?/g;
const TOGGLES = /[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

export type FormattingMode = 'strip' | 'map';

/** Plain text of an IRC line. `map` turns bold spans into *…* and italic spans into _…_; an
 *  unclosed span is closed at the end of the line (mIRC resets formatting per line). */
export function stripFormatting(line: string, mode: FormattingMode = 'strip'): string {
  if (typeof line !== 'string') throw new TypeError('stripFormatting: line must be a string');
  const noColour = line.replace(COLOUR, '').replace(HEX_COLOUR, '');
  if (mode === 'strip') return noColour.replace(TOGGLES, '');
  let out = '';
  let bold = false;
  let italic = false;
  for (const ch of noColour) {
    if (ch === '\x02') {
      out += '*';
      bold = !bold;
    } else if (ch === '\x1d') {
      out += '_';
      italic = !italic;
    } else if (ch === '\x0f') {
      if (italic) out += '_';
      if (bold) out += '*';
      bold = italic = false;
    } else if (!/[\x11\x16\x1e\x1f]/.test(ch)) {
      out += ch;
    }
  }
  return out + (italic ? '_' : '') + (bold ? '*' : '');
}

/** Removes every formatting code and other C0 control characters but tab from text going to
 *  IRC, so a Katzenpost member's text cannot restyle the channel or smuggle control bytes. */
export function plainForIrc(text: string): string {
  return stripFormatting(text).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
