// The group chat wire layer (group-chat-wire.md §1): pure functions and values, no I/O.
// Box framing and splitting, the stream reassembler, the GroupChatMessage codec with our TEXT
// extensions, the membership hash and the voucher reply's please_add_list.
export { WireError, type WireErrorCode } from './errors.js';
export {
  KATZENQT_CHUNK_BYTES,
  MAX_DISPLAY_NAME_CODE_POINTS,
  MAX_FILE_BYTES,
  MAX_MESSAGE_BYTES,
  MEMBERSHIP_HASH_BYTES,
  READ_CAP_BYTES,
  RESERVED_NAME_PREFIX,
  WRITE_CAP_BYTES,
} from './constants.js';
export { DEFAULT_CAP_CHECK, type CapCheck } from './caps.js';
export { codePointLength, checkDisplayName, sanitizeDisplayName, safeBasename } from './names.js';
export {
  MsgType,
  MSG_TYPE_NAMES,
  isTallyType,
  type FileUpload,
  type GroupChatMessage,
  type PleaseAdd,
  type Tally,
} from './message-types.js';
export {
  decodeGroupChatMessage,
  tryDecodeGroupChatMessage,
  encodeGroupChatMessage,
  type CodecOptions,
  type DecodeOptions,
  type DecodedMessage,
  type DecodeOutcome,
} from './message.js';
export {
  EXT_KEYS,
  composeBridgedText,
  bodyOf,
  type BridgeExtensions,
  type BridgedTextInput,
  type MessageRef,
} from './extensions.js';
export {
  MEMBERSHIP_HASH_TODO,
  MEMBERSHIP_HASH_ZERO,
  membershipHashV1,
  checkMembershipHash,
  rootKeyOfReadCap,
  rootKeyOfWriteCap,
  type MembershipCheck,
  type MembershipInput,
} from './membership.js';
export { encodePleaseAddList, decodePleaseAddList, type DecodedPleaseAddList, type PleaseAddListEntryError } from './please-add-list.js';
export {
  FRAME_CONTINUATION,
  FRAME_FINAL,
  FRAME_POINTER,
  MIN_BOX_PAYLOAD_BYTES,
  chunkSizeFor,
  planBoxes,
  pointerBox,
  parseBox,
  type BoxPlan,
  type ParsedBox,
} from './framing.js';
export {
  StreamReassembler,
  encodeReassemblyState,
  decodeReassemblyState,
  type BoxOutcome,
  type ReassemblerOptions,
  type ReassemblyState,
  type StreamRole,
} from './reassembler.js';
