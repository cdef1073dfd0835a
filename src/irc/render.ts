import type { FrontendMessage } from '../bridge/index.js';
import { stripFormatting } from './formatting.js';
import { limitLines, splitMessage, textBudgetBytes } from './split.js';
import { textLine, type TextCommand } from './wire-line.js';

/**
 * A Katzenpost message as the raw IRC lines that show it (issue 7 "Text"): PRIVMSG for text,
 * NOTICE for notices, CTCP ACTION for emotes; from a puppet as itself, or from the relay bot
 * prefixed with the member's name (`<alice> hi`, `* alice waves`). Lines fit the server's limit,
 * and past `maxLines` the rest is offered as a link to the whole text when one can be made.
 */

export interface RenderOptions {
  readonly target: string;
  /** The nick that sends the lines (the puppet's or the bot's), for the line budget. */
  readonly senderNick: string;
  /** Relay mode: the member's shown name; absent for a puppet speaking as itself. */
  readonly relayName?: string;
  readonly maxLines: number;
  /** Stores the whole text and returns a link to it, or undefined when links are not set up. */
  readonly overflowLink?: (fullText: string) => Promise<string | undefined>;
  readonly lineBytes?: number;
}

export async function renderLines(m: FrontendMessage, o: RenderOptions): Promise<string[]> {
  const command: TextCommand = m.kind === 'notice' ? 'NOTICE' : 'PRIVMSG';
  const action = m.kind === 'emote' && o.relayName === undefined;
  const name = o.relayName === undefined ? undefined : stripFormatting(o.relayName).replace(/[\0-\x1f\x7f]/g, '');
  const prefix = name === undefined ? '' : m.kind === 'emote' ? `* ${name} ` : `<${name}> `;
  const budget = textBudgetBytes({ command, target: o.target, nick: o.senderNick, action, ...(o.lineBytes ? { lineBytes: o.lineBytes } : {}) }) - Buffer.byteLength(prefix);
  if (budget < 16) throw new RangeError('renderLines: the relay name leaves no room for text');
  const split = splitMessage(m.text, budget);
  let lines = split;
  if (split.length > o.maxLines) {
    const link = o.overflowLink ? await o.overflowLink(m.text) : undefined;
    lines = limitLines(split, o.maxLines, (hidden) => (link ? `… (${hidden} more lines: ${link})` : `… (${hidden} more lines not shown)`));
    // The overflow line itself must fit too (a long link on a tiny budget).
    lines = lines.flatMap((l) => splitMessage(l, budget));
  }
  return lines.map((l) => textLine(command, o.target, prefix + l, action));
}
