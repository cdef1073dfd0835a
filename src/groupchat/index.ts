// Public surface of the group chat layer (STYLE.md §2): other layers import only this file.
export * from './wire/index.js';
// The engine (issue 4): group state, readers, sender, voucher joins, read scheduler.
export { GroupChatEngine, type EngineOptions } from './engine.js';
export type { GroupEvent, GroupEventHandler } from './events.js';
export { GroupState } from './group-state.js';
export { MemoryGroupStateStore, type StoreSnapshot } from './memory-state-store.js';
export type { GroupStateStore } from './state-store.js';
export { FileGroupStateStore, STATE_FILE } from './file-state-store.js';
export { pigeonholePort, connectPigeonhole } from './client-port.js';
export {
  PigeonholeError,
  type PigeonholePort,
  type ReadOutcome,
  type ReadOptions,
  type NewStream,
  type MintedVoucher,
  type InductedVoucher,
  type OpenedVoucher,
} from './pigeonhole-port.js';
export { RequestBudget, DAEMON_UNSENT_LIMIT } from './request-budget.js';
export { ReadScheduler, systemClock, type Clock, type ReadTarget, type SchedulerStats } from './read-scheduler.js';
export { SchedulerPolicy, DEFAULT_POLICY, readRateFor, type PolicyConfig, type ReadMode, type Decisions } from './scheduler-policy.js';
export type { SendResult, OutgoingMessage } from './sender.js';
export {
  asGroupId,
  memberKeyOf,
  counterOf,
  type GroupId,
  type MemberKey,
  type GroupRecord,
  type MemberRecord,
  type TransferState,
  type PendingJoinRecord,
  type JoinerVoucherRecord,
} from './types.js';
