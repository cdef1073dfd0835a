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

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,127}$/;
/** Longest file name shown; Matrix sets no limit, clients truncate badly. */
export const MAX_FILE_NAME_CHARS = 200;

/** A file name from Katzenpost, safe to show and to save: no path, no control characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '_').trim().replace(/^\.+/, '');
  const cps = [...clean];
  return (cps.length > MAX_FILE_NAME_CHARS ? cps.slice(0, MAX_FILE_NAME_CHARS).join('') : clean) || 'file';
}

/** A MIME type from Katzenpost if it is one, else application/octet-stream. */
export function safeMimeType(filetype: string): string {
  const t = filetype.trim().toLowerCase();
  return MIME.test(t) ? t : 'application/octet-stream';
}

/** Spec "m.image", "m.audio", "m.video", "m.file": the msgtype by MIME type, with name and info. */
export function fileContent(url: string, name: string, mimetype: string, size: number): MatrixContent {
  const msgtype = mimetype.startsWith('image/') ? 'm.image' : mimetype.startsWith('audio/') ? 'm.audio' : mimetype.startsWith('video/') ? 'm.video' : 'm.file';
  return { msgtype, body: name, filename: name, url, info: { mimetype, size } };
}
