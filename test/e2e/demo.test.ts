// The quickstart (issue 8: "one command on a fresh machine runs the bridge end to end"), proven:
// `scripts/demo.sh --check` starts InspIRCd, the bridge on the embedded emulator, an IRC admin and
// a demo Katzenpost member (katzenbridge peer), and passes once the member's message reached an
// IRC client (with --matrix also Synapse, and the linked Matrix room). Installing is skipped (the suite already installed and built; scripts/test.sh runs
// the same bootstrap), and the demo runs this suite's build.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { MAIN_JS } from '../support/bridge-process.js';
import { repoPath } from '../support/paths.js';
import { assertNoSecrets, type SecretToFind } from '../support/secret-scan.js';
import { SealedGroupStateStore } from '../../src/bridge/index.js';
import { openStore } from '../../src/store/index.js';

const BUILD_DIR = resolve(dirname(MAIN_JS), '..', '..');

describe('e2e: the quickstart (scripts/demo.sh --check)', function () {
  this.timeout(180_000);

  let state: string;
  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'kb-demo-test-'));
  });
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  /** Write caps (the bridge's own and its puppets'), vouchers and their keys from both members'
   *  group state, the store key and the appservice tokens: none may appear in the bridge's log of
   *  the whole run. The bridge's state is read back from its sealed sqlite store. */
  async function secretsOfTheRun(): Promise<SecretToFind[]> {
    const found: SecretToFind[] = [];
    const walk = (v: unknown, key: string, where: string): void => {
      if (v instanceof Uint8Array) {
        if (/writecap|voucher|secret/i.test(key)) found.push({ label: `${where} ${key}`, value: v });
        return;
      }
      if (Array.isArray(v)) return v.forEach((x) => walk(x, key, where));
      if (typeof v !== 'object' || v === null) return;
      const o = v as Record<string, unknown>;
      if (typeof o['$b64'] === 'string') return walk(new Uint8Array(Buffer.from(o['$b64'], 'base64')), key, where);
      for (const [k, x] of Object.entries(o)) walk(x, k, where);
    };
    walk(JSON.parse(readFileSync(join(state, 'peer/groupchat-state.json'), 'utf8')), '', 'peer');
    const store = await openStore({ databasePath: join(state, 'bridge', 'katzenbridge.db'), keyFile: join(state, 'bridge', 'secrets.key') });
    try {
      const sealed = new SealedGroupStateStore(store.db, store.secrets);
      for (const g of await sealed.listGroups()) {
        walk(g, '', 'bridge');
        walk(await sealed.listMembers(g.groupId), '', 'bridge');
        walk(await sealed.listPendingJoins(g.groupId), '', 'bridge');
        walk(await sealed.getJoinerVoucher(g.groupId), '', 'bridge');
      }
    } finally {
      await store.close();
    }
    found.push({ label: 'store key', value: new Uint8Array(readFileSync(join(state, 'bridge', 'secrets.key'))) });
    if (existsSync(join(state, 'registration.yaml'))) {
      const reg = parse(readFileSync(join(state, 'registration.yaml'), 'utf8')) as { as_token: string; hs_token: string };
      found.push({ label: 'as_token', value: reg.as_token }, { label: 'hs_token', value: reg.hs_token });
    }
    return found;
  }

  async function demo(...flags: string[]): Promise<string> {
    const child = spawn('bash', [repoPath('scripts', 'demo.sh'), '--check', ...flags], {
      cwd: repoPath(),
      env: { ...process.env, KB_DEMO_SKIP_INSTALL: '1', KB_BUILD_DIR: BUILD_DIR, KB_DEMO_TIMEOUT_S: '120', KB_DEMO_STATE: state },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 0, output);
    const secrets = await secretsOfTheRun();
    assert.ok(secrets.filter((x) => /^bridge .*writeCap/i.test(x.label)).length >= 2, 'the bridge\'s own and its puppet\'s write caps are looked for');
    assert.ok(secrets.some((x) => /^peer .*writeCap/i.test(x.label)), 'the member\'s write cap is looked for');
    assertNoSecrets(readFileSync(join(state, 'bridge.log'), 'utf8'), secrets, "the bridge's log");
    return output;
  }

  it('a message from the demo Katzenpost member reaches an IRC client through the bridge', async () => {
    const output = await demo();
    assert.match(output, /demo: group \S+ created by the bridge and linked to #katzenpost/);
    assert.match(output, /demo: alice \(the demo Katzenpost member\) has joined the group/);
    assert.match(output, /demo: #katzenpost on IRC shows <katzenbridge> <alice> Hello from Katzenpost!/);
    assert.match(output, /demo: alice received "Hello from IRC! \([^)]+\)" from demo-admin/);
    assert.match(output, /check passed: .*, and one from IRC reached the member/);
  });

  it('with --matrix, the cached Synapse comes up too and the same message reaches the linked Matrix room', async () => {
    const output = await demo('--matrix');
    assert.match(output, /demo: Matrix room !\S+ linked to \S+/);
    assert.match(output, /demo: the Matrix room shows it from @kp_\S+:localhost/);
    assert.match(output, /check passed: .* an IRC client and a Matrix room/);
  });
});
