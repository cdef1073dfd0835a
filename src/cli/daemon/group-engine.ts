// Step: the group chat engine over the daemon link, its events handed to whoever `deliver` is
// (the bridge core, which is built after the engine because it needs the engine as its group side).
// The engine's state lives in the bridge's database, sealed (SealedGroupStateStore, migration 003).
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { BridgeLogger, GroupInbound } from '../../bridge/index.js';
import { SealedGroupStateStore, toGroupInbound, type TransactionalDb } from '../../bridge/index.js';
import { FileGroupStateStore, STATE_FILE } from '../../groupchat/file-state-store.js';
import { GroupChatEngine, type PigeonholePort } from '../../groupchat/index.js';
import type { SecretBox } from '../../store/index.js';

export interface EngineStep {
  readonly engine: GroupChatEngine;
  /** Set once the core exists; events before that wait for it (the engine retries its read). */
  setDeliver(deliver: (e: GroupInbound) => Promise<void>): void;
}

/**
 * Earlier versions kept the engine's state in STATE_DIR/groupchat/groupchat-state.json, write
 * caps in the clear. If that file is there and the database holds no group yet, it is imported
 * in one transaction and renamed, so the next start does not import it again; its secrets then
 * exist only sealed (the renamed file should be deleted once the bridge runs well).
 */
export async function importLegacyGroupState(store: SealedGroupStateStore, stateDir: string, log: BridgeLogger, nowMs = Date.now()): Promise<void> {
  const dir = join(stateDir, 'groupchat');
  const file = join(dir, STATE_FILE);
  if (!existsSync(file) || !(await store.isEmpty())) return;
  const snapshot = FileGroupStateStore.open(dir).snapshot();
  await store.importSnapshot(snapshot);
  const moved = `${file}.imported-${nowMs}`;
  renameSync(file, moved);
  log.log('warn', 'groupchat.state_imported', { groups: snapshot.groups.length, members: snapshot.members.length, movedTo: moved, advice: 'delete the moved file: it holds write caps in the clear' });
}

export async function createEngine(port: PigeonholePort, db: TransactionalDb, secrets: SecretBox, stateDir: string, log: BridgeLogger): Promise<EngineStep> {
  const store = new SealedGroupStateStore(db, secrets);
  await importLegacyGroupState(store, stateDir, log);
  let deliver: ((e: GroupInbound) => Promise<void>) | undefined;
  const engine = new GroupChatEngine({
    port,
    store,
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
