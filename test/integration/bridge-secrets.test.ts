import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asFrontendEventId, asFrontendId, asFrontendRoomId, asFrontendUserId, type GroupId } from '../../src/ids/index.js';
import type { CommandCaller } from '../../src/bridge/index.js';
import { ADMIN, Harness } from '../unit/bridge/harness.js';

// DESIGN.md §5 and team rules: secrets (write caps, vouchers, engine references) are sealed at
// rest and never appear in notices, command answers (other than the minted voucher, privately)
// or logs.

const admin: CommandCaller = { frontend: asFrontendId('fake'), userId: asFrontendUserId(ADMIN), adminIdentity: ADMIN };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('bridge secrets (integration)', () => {
  let h: Harness;
  let g: GroupId;
  const VOUCHER = Buffer.alloc(32, 0x5a).toString('base64');
  beforeEach(async () => {
    h = await new Harness({ joinPolicy: 'approval' }).open();
    g = await h.portal();
  });
  afterEach(() => h.close());

  async function exercise(): Promise<string[]> {
    const replies: string[] = [];
    await h.core.userMessage({ frontend: asFrontendId('fake'), room: asFrontendRoomId('!room:x'), eventId: asFrontendEventId('$1'), sender: { userId: asFrontendUserId('@u:x'), displayName: 'u' }, message: { kind: 'text', text: 'hi' } });
    const [req] = await h.core.stores.joins.pending(g);
    replies.push((await h.core.adminCommand(admin, `approve ${req!.id}`)).text);
    replies.push((await h.core.adminCommand(admin, `induct g1 ${VOUCHER}`)).text);
    const ref = Buffer.from(VOUCHER, 'base64').toString('hex');
    await h.core.groupEvent({ type: 'join_request', groupId: g, engineRef: ref, requestedName: 'v' });
    for (const cmd of ['pending', 'status', 'groups', 'members g1']) replies.push((await h.core.adminCommand(admin, cmd)).text);
    const [vreq] = await h.core.stores.joins.pending(g);
    replies.push((await h.core.adminCommand(admin, `approve ${vreq!.id}`)).text);
    h.group.failNext(1, false);
    await h.core.userMessage({ frontend: asFrontendId('fake'), room: asFrontendRoomId('!room:x'), eventId: asFrontendEventId('$2'), sender: { userId: asFrontendUserId('@u:x'), displayName: 'u' }, message: { kind: 'text', text: 'x' } });
    await h.settle();
    return replies;
  }

  it('write caps are sealed in sqlite, and no cap, voucher or engine reference shows in notices, answers or logs', async () => {
    const replies = await exercise();
    const cap = h.group.caps[0]!;
    assert.ok(cap, 'a puppet stream was made');
    const secrets = [hex(cap), hex(cap.subarray(0, 32)), Buffer.from(cap).toString('base64').slice(0, 40), VOUCHER, Buffer.from(VOUCHER, 'base64').toString('hex')];
    const shown = [...h.frontend.shown.map((s) => s.text), ...replies, ...h.log.lines].join('\n');
    for (const s of secrets) assert.ok(!shown.includes(s), `a secret leaked: ${s.slice(0, 6)}…`);
    await h.store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const file = readFileSync(join(h.dir, 'kb.db'));
    assert.equal(file.indexOf(Buffer.from(cap)), -1, 'the write cap is not stored in the clear');
    assert.equal(file.indexOf(Buffer.from(Buffer.from(VOUCHER, 'base64').toString('hex'))), -1, 'the engine reference is not stored in the clear');
  });

  it('a sealed cap copied to another puppet row does not open there', async () => {
    await exercise();
    await h.store.db.run("INSERT INTO bridge_puppets (group_id, frontend, user_id, display_name, state, member_id, write_cap_sealed, created_at) SELECT group_id, frontend, '@thief:x', 't', 'active', 'ff', write_cap_sealed, 0 FROM bridge_puppets LIMIT 1");
    await assert.rejects(h.core.stores.puppets.stream(g, asFrontendId('fake'), asFrontendUserId('@thief:x')), (e: unknown) => (e as { code?: string }).code === 'secret_box_open');
  });
});
