// Public surface of the Katzenpost layer (STYLE.md §2): the thin-client protocol and the client.
// The emulator is deliberately not exported here; only src/cli and tests import it directly.
export * from './protocol/index.js';
export * from './client/index.js';
