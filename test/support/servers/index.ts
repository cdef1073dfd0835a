// Real test servers for end-to-end tests: Synapse in a Debian chroot and InspIRCd, each run on
// its own loopback port by the scripts in scripts/servers/.
export { startSynapse } from './synapse.js';
export type { SynapseOptions, SynapseServer, RegisteredUser } from './synapse.js';
export { startInspircd } from './inspircd.js';
export type { InspircdOptions, InspircdServer } from './inspircd.js';
export { freePort } from './free-port.js';
export { ServerScriptError } from './run-script.js';
export { connectIrcClient } from './irc-client.js';
export type { TestIrcClient, IrcMessage } from './irc-client.js';
