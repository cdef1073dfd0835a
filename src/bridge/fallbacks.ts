import { excerpt } from './display-names.js';
import type { FrontendMessage } from './frontend.js';

/**
 * What the core shows when a frontend lacks a capability (capabilities.ts): readable text,
 * never silence (issue 5: "a documented fallback or a notice, never silence").
 */

export function editFallback(m: FrontendMessage): FrontendMessage {
  return { kind: m.kind, text: `* ${m.text} (edited)` };
}

/** `quotedAuthor`/`quotedText` are undefined when the message replied to was never shown here. */
export function replyFallback(m: FrontendMessage, quotedAuthor: string | undefined, quotedText: string | undefined): FrontendMessage {
  const quote = quotedAuthor !== undefined && quotedText !== undefined ? `> ${quotedAuthor}: ${excerpt(quotedText)}` : '> (in reply to a message not shown here)';
  return { kind: m.kind, text: `${quote}\n${m.text}` };
}

export function fileFallback(sender: string, basename: string, filetype: string, sizeBytes: number): string {
  return `${sender} sent a file, ${excerpt(basename) || 'unnamed'} (${excerpt(filetype) || 'unknown type'}, ${sizeBytes} bytes), which this room cannot show.`;
}

export function reactionFallback(key: string, quotedText: string | undefined): FrontendMessage {
  return { kind: 'emote', text: `reacted ${excerpt(key)} to: ${quotedText === undefined ? 'a message not shown here' : excerpt(quotedText)}` };
}
