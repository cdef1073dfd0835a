import type { BridgeExtensions } from './extensions.js';

/** Message type codes (wire §1.5). Nothing above 9: katzenqt drops unknown types, and new
 *  numbers could collide with future katzenqt types, so our extensions ride on TEXT (§2). */
export const MsgType = {
  TEXT: 0,
  INTRODUCTION: 1,
  FILE_UPLOAD: 2,
  WHO: 3,
  REPLY_WHO: 4,
  TALLY_CREATE: 5,
  TALLY_VOTE: 6,
  TALLY_CLOSE: 7,
  TALLY_SYNC_REQ: 8,
  TALLY_SYNC_RESP: 9,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

export const MSG_TYPE_NAMES: Readonly<Record<MsgType, string>> = {
  0: 'TEXT',
  1: 'INTRODUCTION',
  2: 'FILE_UPLOAD',
  3: 'WHO',
  4: 'REPLY_WHO',
  5: 'TALLY_CREATE',
  6: 'TALLY_VOTE',
  7: 'TALLY_CLOSE',
  8: 'TALLY_SYNC_REQ',
  9: 'TALLY_SYNC_RESP',
};

export function isTallyType(t: MsgType): boolean {
  return t >= MsgType.TALLY_CREATE;
}

/** PleaseAdd (wire §1.6): an introduction, or one entry of a WhoReply. Unsigned. */
export interface PleaseAdd {
  /** 1..30 code points, no `:substream:` prefix. */
  readonly displayName: string;
  /** 136-byte BACAP read cap of the member's stream. */
  readonly readCap: Uint8Array;
}

/** FileUpload (wire §1.6). No size field: the size is payload.length. `basename` is raw; pass it
 *  through safeBasename() before using it as a file name. */
export interface FileUpload {
  readonly payload: Uint8Array;
  /** MIME-like: `image/png`, `audio/opus`, `application/octet-stream`, katzenqt's `arbitrary`. */
  readonly filetype: string;
  readonly basename: string;
}

/** Tally payload (wire §1.11), carried through without interpretation. */
export interface Tally {
  readonly surveyId: Uint8Array;
  readonly version: number;
  /** slot id -> `yes` / `no` / `maybe`, in wire order. */
  readonly choice?: ReadonlyMap<string, string>;
  readonly crdt?: Uint8Array;
}

/**
 * One GroupChatMessage (wire §1.5): the fields katzenqt's model has, with camelCase names, and
 * our TEXT extensions under `bridge`. A field is present exactly when its key is on the wire.
 */
export interface GroupChatMessage {
  /** Always 0 when we send; any value >= 0 is accepted on receive (katzenqt does not check it). */
  readonly version: number;
  /** Exactly 32 bytes (wire §1.8). */
  readonly membershipHash: Uint8Array;
  readonly msgType: MsgType;
  readonly text?: string;
  readonly introduction?: PleaseAdd;
  readonly fileUpload?: FileUpload;
  readonly who?: string;
  readonly replyWho?: string;
  readonly tally?: Tally;
  /** Our x-bridge-* keys, TEXT only (extensions.ts). */
  readonly bridge?: BridgeExtensions;
}
