// bench:matrix's group side of a portal, per composition: the in-memory FakeGroupSide ("matrix
// half") or the real group chat engine on the emulator with a Katzenpost member ("engine").
import { BridgeCore, EngineGroupSide, silentLogger, type CommandCaller, type GroupSide } from '../../src/bridge/index.js';
import { createEngine } from '../../src/cli/daemon/group-engine.js';
import { connectPigeonhole } from '../../src/groupchat/index.js';
import { DEFAULT_POLICY } from '../../src/groupchat/scheduler-policy.js';
import { asBoxCounter, type GroupId } from '../../src/ids/index.js';
import type { Store } from '../../src/store/index.js';
import { FakeGroupSide, memberHex } from '../unit/bridge/fake-group-side.js';
import { Peer, isType } from '../unit/groupchat/engine-harness.js';
import { until } from './matrix-daemon.js';

/** The group behind the portal, as seen by the benchmark. */
export interface GroupEnd {
  readonly side: GroupSide;
  /** Once the portal exists: a Katzenpost member in the group, if the composition has one. */
  addMember(core: BridgeCore, groupId: GroupId, admin: CommandCaller): Promise<void>;
  /** The member sends `text` (the i-th from Katzenpost); resolves once it is written. */
  fromGroup(core: BridgeCore, groupId: GroupId, text: string, i: number): Promise<void>;
  /** Messages the bridge has written to the group so far. */
  written(): number;
  stop(): Promise<void>;
}

/** The engine composition's group end: its bridge side stops apart from the member, who stays
 *  to talk to the daemon started on the same store. */
export interface EngineEnd extends GroupEnd {
  newStream(): Promise<Uint8Array>;
  addRawMember(g: GroupId, name: string, readCap: Uint8Array): Promise<string>;
  stopBridgeSide(): Promise<void>;
  /** Texts the member has read that start with `prefix`. */
  readBy(prefix: string): number;
}

export function fakeEnd(): GroupEnd {
  const side = new FakeGroupSide();
  return {
    side,
    addMember: async () => undefined,
    fromGroup: (core, groupId, text, i) => core.groupEvent({ type: 'text', groupId, member: memberHex(1), counter: asBoxCounter(String(i)), displayName: 'alice', text }),
    written: () => side.written.length,
    stop: async () => undefined,
  };
}

/** EngineGroupSide counting the writes the daemon acknowledged (sendAs resolves after them). */
class CountingEngineSide extends EngineGroupSide {
  writes = 0;
  override async sendAs(...args: Parameters<EngineGroupSide['sendAs']>): ReturnType<EngineGroupSide['sendAs']> {
    const r = await super.sendAs(...args);
    this.writes++;
    return r;
  }
}

export async function engineEnd(address: string, store: Store, stateDir: string, deliverTo: () => BridgeCore): Promise<EngineEnd> {
  const conn = await connectPigeonhole(address);
  const step = await createEngine(conn.port, store.db, store.secrets, stateDir, silentLogger);
  step.setDeliver((e) => deliverTo().groupEvent(e));
  const side = new CountingEngineSide(step.engine);
  const aliceConn = await connectPigeonhole(address);
  const alice = new Peer('alice', aliceConn.port, undefined, DEFAULT_POLICY, undefined, (where, e) => console.error(`alice: ${where}: ${String(e)}`));
  await step.engine.start();
  await alice.engine.start();
  let bridgeStopped = false;
  const stopBridgeSide = async (): Promise<void> => {
    if (bridgeStopped) return;
    bridgeStopped = true;
    await step.engine.stop();
    await conn.close();
  };
  return {
    side,
    async addMember(core, groupId, admin) {
      const voucher = await alice.engine.mintVoucher('club', 'alice');
      const r = await core.adminCommand(admin, `induct ${groupId} ${voucher}`);
      if (!r.ok) throw new Error(`induct: ${r.text}`);
      await until('the join request', async () => (await core.stores.joins.pending()).length === 1, 120_000, 50);
      const a = await core.adminCommand(admin, `approve ${(await core.stores.joins.pending())[0]!.id}`);
      if (!a.ok) throw new Error(`approve: ${a.text}`);
      await alice.waitFor(isType('joined'), 120_000);
    },
    fromGroup: async (_core, _groupId, text) => void (await alice.engine.sendText('club', text)),
    written: () => side.writes,
    newStream: async () => (await conn.port.newStream()).readCap,
    addRawMember: async (g, name, readCap) => (await step.engine.addMember(g, name, readCap))!.memberKey,
    readBy: (prefix) => alice.events.filter((e) => e.type === 'text' && e.text.startsWith(prefix)).length,
    stopBridgeSide,
    async stop() {
      await stopBridgeSide();
      await alice.engine.stop();
      await aliceConn.close();
    },
  };
}
