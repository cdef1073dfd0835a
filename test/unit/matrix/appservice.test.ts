import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeCoreApi, CommandReply, Frontend, UserMessage } from '../../../src/bridge/index.js';
import { Secret, type Config } from '../../../src/config/index.js';
import { renderRegistration } from '../../../src/cli/registration.js';
import { loadRegistration, MatrixSetupError, startMatrix, type MatrixAppservice } from '../../../src/matrix/index.js';
import { Database } from '../../../src/store/index.js';
import { freePort } from '../../support/servers/free-port.js';
import { migratedMemoryDb } from '../../support/memory-db.js';

// startMatrix with the real matrix-appservice-bridge and no homeserver at all: it must start
// (the bridge comes up while the homeserver is down) and carry pushed events to the core.

const dir = mkdtempSync(join(tmpdir(), 'kb-matrix-as-'));
const REG = join(dir, 'registration.yaml');
writeFileSync(REG, renderRegistration({ url: 'http://127.0.0.1:1', domain: 'example.org', userPrefix: 'kp_', botLocalpart: 'katzenbridge', asToken: 'as-file', hsToken: 'hs-file' }));

function appservice(o: Partial<Config['homeserver']['appservice']> = {}): Config['homeserver']['appservice'] {
  return { port: 1, bind_address: '127.0.0.1', registration: REG, user_prefix: 'kp_', bot_localpart: 'katzenbridge', ...o } as Config['homeserver']['appservice'];
}

function expectSetupError(code: string, key: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof MatrixSetupError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.key, key);
    return true;
  };
}

describe('startMatrix and loadRegistration (real matrix-appservice-bridge, no homeserver)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads tokens from the registration; config tokens override them', async () => {
    const r = await loadRegistration(appservice());
    assert.deepEqual([r.getAppServiceToken(), r.getHomeserverToken()], ['as-file', 'hs-file']);
    const o = await loadRegistration(appservice({ as_token: new Secret('as-env', { kind: 'env', variable: 'KATZENBRIDGE_AS_TOKEN' }), hs_token: new Secret('hs-env', { kind: 'inline' }) }));
    assert.deepEqual([o.getAppServiceToken(), o.getHomeserverToken()], ['as-env', 'hs-env']);
  });

  it('a missing registration names the key and the fix', async () => {
    await assert.rejects(loadRegistration(appservice({ registration: join(dir, 'nope.yaml') })), (e: unknown) => {
      expectSetupError('registration_unreadable', 'homeserver.appservice.registration')(e);
      assert.match((e as Error).message, /ENOENT.*generate-registration/);
      return true;
    });
  });

  it('a file that is no registration is refused', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, '- just\n- a list\n');
    await assert.rejects(loadRegistration(appservice({ registration: bad })), expectSetupError('registration_invalid', 'homeserver.appservice.registration'));
  });

  it('a bot localpart that differs from sender_localpart is refused, without printing tokens', async () => {
    await assert.rejects(loadRegistration(appservice({ bot_localpart: 'otherbot' })), (e: unknown) => {
      expectSetupError('registration_invalid', 'homeserver.appservice.bot_localpart')(e);
      assert.doesNotMatch((e as Error).message, /as-file|hs-file/);
      return true;
    });
  });

  it('starts without a homeserver, registers the frontend, and hands pushed events to the core', async () => {
    const messages: UserMessage[] = [];
    const frontends: Frontend[] = [];
    const core: BridgeCoreApi & { registerFrontend(f: Frontend): Promise<void> } = {
      userMessage: async (m) => void messages.push(m),
      userReaction: async () => undefined,
      userRedaction: async () => undefined,
      userJoined: async () => undefined,
      userKnocked: async () => undefined,
      userLeft: async () => undefined,
      adminCommand: async (): Promise<CommandReply> => ({ ok: true, text: '' }),
      registerFrontend: async (f) => void frontends.push(f),
    };
    const port = await freePort();
    const db = await migratedMemoryDb();
    let m: MatrixAppservice | undefined;
    try {
      m = await startMatrix({
        config: {
          homeserver: { enabled: true, federate_rooms: false, portal_join_rule: 'invite', url: 'http://127.0.0.1:1', domain: 'example.org', appservice: appservice({ port }) },
          bridge: { admins: ['@admin:example.org'], join_policy: 'auto', puppet_display_name: '{name} ({network})', strip_image_metadata: true, max_file_bytes: 1 },
        } as Pick<Config, 'homeserver' | 'bridge'>,
        core,
        db,
        portals: { isPortal: async (room) => room === '!p:example.org' },
        libraryLog: { level: 'off', json: false },
      });
      assert.deepEqual(frontends, [m.frontend]);
      const event = { type: 'm.room.message', room_id: '!p:example.org', sender: '@alice:example.org', event_id: '$1', origin_server_ts: 1, content: { msgtype: 'm.text', body: 'hi' } };
      const res = await fetch(`http://127.0.0.1:${port}/_matrix/app/v1/transactions/1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: 'Bearer hs-file' },
        body: JSON.stringify({ events: [event] }),
      });
      assert.equal(res.status, 200);
      // Answered only once the core has it (the display name lookup fails: no homeserver).
      assert.deepEqual(messages.map((x) => [x.eventId, x.message.text, x.sender.displayName]), [['$1', 'hi', 'alice']]);
    } finally {
      await m?.stop();
      await db.close();
    }
  });
});
