// Helpers for the groupchat vector tests: load the shared file and turn our decoded values into
// the shape of its `decoded` objects (see the file's `format` key). Not a test file itself.
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { MSG_TYPE_NAMES, type GroupChatMessage, type PleaseAdd } from '../../../src/groupchat/index.js';
import { vectorFile } from '../../support/paths.js';

export interface VectorCase {
  readonly name: string;
  readonly kind: 'message' | 'framing' | 'membership_hash' | 'please_add_list' | 'reject';
  readonly notes?: string;
  readonly decode_only?: boolean;
  readonly cbor_hex?: string;
  readonly cbor_len?: number;
  readonly box_layout?: 'single' | 'temp_stream';
  readonly boxes_hex?: readonly string[];
  readonly box_lens?: readonly number[];
  readonly temp_read_cap_hex?: string;
  readonly pointer_box_hex?: string;
  readonly messages_cbor_hex?: readonly string[];
  readonly decoded?: Record<string, unknown>;
  readonly algorithm?: 'v1' | 'placeholder';
  readonly inputs?: { self_write_cap_hex?: string; peer_read_caps_hex?: string[]; sorted_root_keys_hex?: string[] };
  readonly hash_hex?: string;
  readonly hash_ascii?: string;
  readonly unused_blake2b_256_hex?: string;
  readonly katzenqt_behaviour?: 'peer_deactivated' | 'message_dropped' | 'pointer_ignored' | 'who_reply_rejected';
  readonly reason?: string;
}

export interface VectorFile {
  readonly format: string;
  readonly case_count: number;
  readonly cases: readonly VectorCase[];
}

export const VECTOR_PATH = vectorFile('GROUPCHAT_VECTORS', 'groupchat.json');

export function loadVectors(): VectorFile {
  return JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as VectorFile;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function unhex(s: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(s)) throw new Error(`vector: not lowercase hex: ${s.slice(0, 20)}...`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

function codePoints(s: string): number {
  return Array.from(s).length;
}

/** A PleaseAdd as the vector file writes it. */
export function pleaseAddView(p: PleaseAdd, withNameDetails: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { display_name: p.displayName, read_cap_hex: hex(p.readCap) };
  if (withNameDetails && !isAscii(p.displayName)) {
    out.display_name_utf8_hex = hex(new TextEncoder().encode(p.displayName));
    out.display_name_code_points = codePoints(p.displayName);
    out.display_name_utf16_units = p.displayName.length;
  }
  return out;
}

/** A decoded GroupChatMessage as the vector file writes it (only the fields present). */
export function messageView(m: GroupChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    version: m.version,
    msg_type: m.msgType,
    msg_type_name: MSG_TYPE_NAMES[m.msgType],
    membership_hash_hex: hex(m.membershipHash),
  };
  if (m.text !== undefined) {
    out.text = m.text;
    if (!isAscii(m.text)) out.text_utf8_hex = hex(new TextEncoder().encode(m.text));
  }
  if (m.introduction) out.introduction = pleaseAddView(m.introduction, false);
  if (m.fileUpload) {
    const f = m.fileUpload;
    out.file_upload = {
      filetype: f.filetype,
      basename: f.basename,
      payload_len: f.payload.length,
      payload_sha256_hex: hex(sha256(f.payload)),
      ...(f.payload.length <= 1024 ? { payload_hex: hex(f.payload) } : {}),
    };
  }
  if (m.who !== undefined) out.who = m.who;
  if (m.replyWho !== undefined) out.reply_who = m.replyWho;
  if (m.tally) {
    const t = m.tally;
    out.tally = {
      survey_id_hex: hex(t.surveyId),
      version: t.version,
      ...(t.choice ? { choice: Object.fromEntries(t.choice) } : {}),
      ...(t.crdt ? { crdt_hex: hex(t.crdt) } : {}),
    };
  }
  return out;
}
