// Public surface of the thin client (thin-client spec §1–§3): a typed, promise-based client of
// kpclientd that the group chat layer uses without knowing about frames.
//
//   const client = new ThinClient({ address: 'unix:/run/kpclientd.sock' });
//   client.on('state', (s) => …);             // connecting / connected / reconnecting / closed
//   await client.connect();                    // handshake + session; later losses reconnect
//   const s = await client.newKeypair();       // { writeCap, readCap, firstMessageIndex }
//   const next = await client.writeBox(s.writeCap, s.firstMessageIndex, bytes);
//   const { plaintext } = await client.readBox(s.readCap, s.firstMessageIndex, { signal });
//   await client.close();                      // thin_close: the daemon forgets the session
//
// Non-zero error codes reject with protocol DaemonError (`code`: 'box_not_found', 'tombstone',
// 'box_already_exists', 'cancelled', 'stale_epoch', …); client-side failures with
// ThinClientError ('aborted', 'closed', …); a malformed daemon frame is a 'protocolError' event
// followed by a reconnect.
export { ThinClient, type ThinClientOptions } from './thin-client.js';
export { PigeonholeApi } from './pigeonhole-api.js';
export { ThinClientError, type ThinClientErrorCode } from './errors.js';
export { type DaemonAddress, describeAddress, parseDaemonAddress } from './address.js';
export { writeCapHash } from './dispatcher.js';
export type * from './types.js';
