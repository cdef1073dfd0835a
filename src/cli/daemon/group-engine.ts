// Step: the group chat engine over the daemon link, its events handed to whoever `deliver` is
// (the bridge core, which is built after the engine because it needs the engine as its group side).
// SEAM: group state lives in FileGroupStateStore (JSON, mode 0600, write caps in the clear) until
// src/store offers a GroupStateStore on sqlite with caps sealed by the SecretBox.
import { join } from 'node:path';
import type { BridgeLogger, GroupInbound } from '../../bridge/index.js';
import { toGroupInbound } from '../../bridge/index.js';
import { FileGroupStateStore } from '../../groupchat/file-state-store.js';
import { GroupChatEngine, type PigeonholePort } from '../../groupchat/index.js';

export interface EngineStep {
  readonly engine: GroupChatEngine;
  /** Set once the core exists; events before that wait for it (the engine retries its read). */
  setDeliver(deliver: (e: GroupInbound) => Promise<void>): void;
}

export function createEngine(port: PigeonholePort, stateDir: string, log: BridgeLogger): EngineStep {
  let deliver: ((e: GroupInbound) => Promise<void>) | undefined;
  const engine = new GroupChatEngine({
    port,
    store: FileGroupStateStore.open(join(stateDir, 'groupchat')),
    onEvent: async (e) => {
      // A box no one can read (bad framing or CBOR: a forged or broken member) is skipped by the
      // engine; say so in the log, named, so an operator can tell which member sends garbage.
      if (e.type === 'box_error') log.log('warn', 'groupchat.box_error', { group: e.groupId, member: e.member.slice(0, 12), counter: e.counter, code: e.code });
      const inbound = toGroupInbound(e);
      if (!inbound) return;
      // Throwing makes the engine retry the read later, so nothing is lost before the core is up.
      if (!deliver) throw new Error('bridge core not started yet');
      await deliver(inbound);
    },
    onError: (where, e) => log.log('warn', 'groupchat.error', { where: where.replace(/:.*/, ''), error: e instanceof Error ? e.name : 'error' }),
  });
  return { engine, setDeliver: (d) => void (deliver = d) };
}
