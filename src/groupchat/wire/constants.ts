import { READ_CAP_BYTES, ROOT_PUBLIC_KEY_BYTES, WRITE_CAP_BYTES } from '../../bacap/index.js';

/**
 * Sizes and limits of the katzenqt wire format (group-chat-wire.md). Tunables of the bridge are
 * here too so one file answers "how big may X be".
 */

/** katzenqt's hard-coded chunk size: framing byte + 1529 CBOR bytes (wire §1.4, §3.2 item 10). */
export const KATZENQT_CHUNK_BYTES = 1530;
/** BACAP sizes (wire §1.2, bacap.md §2), from the BACAP layer. */
export { READ_CAP_BYTES, WRITE_CAP_BYTES };
export const ROOT_KEY_BYTES = ROOT_PUBLIC_KEY_BYTES;
/** membership_hash is a strict 32-byte string (wire §1.5). */
export const MEMBERSHIP_HASH_BYTES = 32;
/** 'I' bodies: [S] 136-byte read cap; [N] u32be chunk count + read cap (wire §1.3). */
export const POINTER_BODY_BYTES = READ_CAP_BYTES;
export const POINTER_BODY_WITH_COUNT_BYTES = 4 + READ_CAP_BYTES;
/** Receiver hard cap on a file (wire §1.6): larger bodies are dropped. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;
/** The largest assembled chain we hold in memory: one maximal file plus room for the envelope
 *  (keys, hash, filetype, a basename katzenqt would cut to 200 chars but a peer may send longer). */
export const MAX_MESSAGE_BYTES = MAX_FILE_BYTES + 64 * 1024;
/** Display names: 1..30 Unicode code points (wire §1.6, and "Notes from generating vectors"). */
export const MIN_DISPLAY_NAME_CODE_POINTS = 1;
export const MAX_DISPLAY_NAME_CODE_POINTS = 30;
/** katzenqt names its temp-stream helper peers with this prefix; a member must never use it (§1.7). */
export const RESERVED_NAME_PREFIX = ':substream:';
/** Message type codes 0..9 (wire §1.5). */
export const MAX_MSG_TYPE = 9;
/** Nesting limit of the CBOR decoder: katzenqt messages nest 3 deep; unknown keys get headroom. */
export const MAX_CBOR_DEPTH = 32;
