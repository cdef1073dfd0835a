// The error codes the emulator sends (thin-client §2.10): the protocol module's tables, under the
// short names the emulator uses. The namespace depends on the reply:
// start_resending_encrypted_message_reply mixes replica codes 1–11 with thin codes.
export { ReplicaErrorCode as ReplicaCode, ThinErrorCode as ThinCode } from '../protocol/index.js';
