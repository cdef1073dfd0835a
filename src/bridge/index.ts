// Public surface of the bridge core (STYLE.md §2): frontends and the CLI import only this file.
export { BridgeCore, type BridgeCoreOptions } from './core.js';
export type { BridgeCoreApi, CommandCaller, CommandReply, Frontend, FrontendFile, FrontendMessage, FrontendUser, GhostProfile, RoomInfo, TextKind, UserMessage, UserReaction } from './frontend.js';
export {
  isDeliveryStatusCapable,
  isEditCapable,
  isFileCapable,
  isJoinDecisionCapable,
  isReactionCapable,
  isReplyCapable,
  isRoomCreateCapable,
  type DeliveryStatusCapable,
  type EditCapable,
  type FileCapable,
  type FileToShow,
  type JoinDecisionCapable,
  type ReactionCapable,
  type ReplyCapable,
  type RoomCreateCapable,
} from './capabilities.js';
export { EngineGroupSide, toGroupInbound, toOutgoing } from './engine-group-side.js';
export { groupSendFailure } from './group-failure.js';
export type { GroupInbound, GroupOutgoing, GroupSide, MessageRef, PuppetStream } from './group-side.js';
export { DeliveryError, failureOf, type DeliveryErrorCode, type FailedStatus } from './message-status.js';
export { DEFAULT_RETRY, type RetryPolicy } from './delivery-queue.js';
export { silentLogger, type BridgeLogger, type LogFields, type LogLevel } from './logger.js';
export { sanitiseName, renderPuppetName, MAX_NAME_CODEPOINTS } from './display-names.js';
export { ghostIdOf, type Ghost } from './ghost.js';
export type { Portal, JoinPolicy } from './portal.js';
export type { Puppet } from './puppet.js';
export type { JoinRequest } from './join-request.js';
export { ALL_COMMANDS, type Command } from './commands/index.js';
export { SealedGroupStateStore, type TransactionalDb } from './sealed-group-state.js';
