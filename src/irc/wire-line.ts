/**
 * Building raw IRC lines (RFC 1459 §2.3.1: a message is one line ending in CR LF; NUL, CR and LF
 * may appear nowhere in it). Every line the bridge sends goes through here, so text from
 * Katzenpost members can never end a line early and start a command of its own: the checks
 * throw rather than repair, and callers split text into lines before (splitMessage).
 */

export class IrcLineError extends Error {
  override readonly name = 'IrcLineError';
  constructor(
    readonly code: 'bad_target' | 'bad_text' | 'bad_command',
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const FORBIDDEN = /[\0\r\n]/;

/** A PRIVMSG/NOTICE target: a nick or channel, no spaces, no leading ':', no control chars. */
export function checkTarget(target: string): string {
  if (typeof target !== 'string') throw new TypeError('target must be a string');
  if (target.length === 0 || target.length > 200 || /[\s,\0-\x1f\x7f]/.test(target) || target.startsWith(':')) {
    throw new IrcLineError('bad_target', 'target', `not a nick or channel (${target.length} chars)`);
  }
  return target;
}

export type TextCommand = 'PRIVMSG' | 'NOTICE';

/** `COMMAND target :text`; an ACTION is wrapped in CTCP 0x01 delimiters (CTCP spec §ACTION). */
export function textLine(command: TextCommand, target: string, text: string, action = false): string {
  if (command !== 'PRIVMSG' && command !== 'NOTICE') throw new IrcLineError('bad_command', 'command', 'only PRIVMSG and NOTICE carry text');
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  if (FORBIDDEN.test(text)) throw new IrcLineError('bad_text', 'text', 'contains NUL, CR or LF; split it into lines first');
  // A 0x01 inside the text would end the CTCP frame early or start one; it is never wanted.
  if (text.includes('\x01')) throw new IrcLineError('bad_text', 'text', 'contains a CTCP delimiter (0x01)');
  checkTarget(target);
  return `${command} ${target} :${action ? `\x01ACTION ${text}\x01` : text}`;
}

/** Any other command with simple parameters (JOIN, TOPIC, NICK…), the last one trailing. */
export function commandLine(command: string, params: readonly string[], trailing?: string): string {
  if (!/^[A-Z]+$/.test(command)) throw new IrcLineError('bad_command', 'command', 'expected upper-case letters');
  for (const [i, p] of params.entries()) {
    if (p.length === 0 || /[\s\0-\x1f\x7f]/.test(p) || p.startsWith(':')) throw new IrcLineError('bad_target', `params[${i}]`, 'not a single IRC parameter');
  }
  if (trailing !== undefined && FORBIDDEN.test(trailing)) throw new IrcLineError('bad_text', 'trailing', 'contains NUL, CR or LF');
  return [command, ...params, ...(trailing !== undefined ? [`:${trailing}`] : [])].join(' ');
}

/** Bytes of a line as sent, CR LF excluded. */
export const lineBytes = (line: string): number => Buffer.byteLength(line, 'utf8');
