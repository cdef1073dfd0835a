// Public surface of the thin client (thin-client spec §1–§3): a typed, promise-based client of
// kpclientd that the group chat layer uses without knowing about frames.
export { ThinClient, type ThinClientOptions } from './thin-client.js';
export { PigeonholeApi } from './pigeonhole-api.js';
export { ThinClientError, type ThinClientErrorCode } from './errors.js';
export { type DaemonAddress, describeAddress, parseDaemonAddress } from './address.js';
export { writeCapHash } from './dispatcher.js';
export type * from './types.js';
