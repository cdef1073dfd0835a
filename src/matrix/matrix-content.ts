import type { FrontendMessage, TextKind } from '../bridge/index.js';

/**
 * Core messages as Matrix event content (client-server spec "m.room.message"). Katzenpost text is
 * plain, so no formatted_body is sent: a member's `<b>` stays the characters it was typed as.
 */

export type MatrixContent = Record<string, unknown>;

const MSGTYPE: Record<TextKind, string> = { text: 'm.text', notice: 'm.notice', emote: 'm.emote' };

export function messageContent(m: FrontendMessage): MatrixContent {
  return { msgtype: MSGTYPE[m.kind], body: m.text };
}

/** Spec "Rich replies": the relation alone. Reply fallbacks in the body are deprecated (spec
 *  v1.13) and clients strip them, so none is added. */
export function replyContent(m: FrontendMessage, replyTo: string): MatrixContent {
  return { ...messageContent(m), 'm.relates_to': { 'm.in_reply_to': { event_id: replyTo } } };
}

/** Spec "Event replacements": `m.new_content` is what clients show; the outer body, starting with
 *  "* " by convention, is the fallback for clients without edits. */
export function editContent(m: FrontendMessage, target: string): MatrixContent {
  return {
    msgtype: MSGTYPE[m.kind],
    body: `* ${m.text}`,
    'm.new_content': messageContent(m),
    'm.relates_to': { rel_type: 'm.replace', event_id: target },
  };
}

/** A notice from the bot; `inReplyTo` puts it next to the message it is about. */
export function noticeContent(text: string, inReplyTo?: string): MatrixContent {
  return inReplyTo ? replyContent({ kind: 'notice', text }, inReplyTo) : messageContent({ kind: 'notice', text });
}
