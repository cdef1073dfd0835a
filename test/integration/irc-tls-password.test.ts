import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/servers/index.js';
import { IrcConnection, type ConnectionState } from '../../src/irc/index.js';
import { waitFor } from './irc-test-client.js';

// TLS (config irc.networks.*.tls, the default) and a server password (password without sasl,
// sent as PASS, RFC 2812 §3.1.1) against a real InspIRCd with a TLS listener (ssl_gnutls, a
// self-signed certificate made here) whose connect block requires a password. The shared server
// script has neither, so this test runs its own instance with a minimal config.

describe('irc TLS and server password (integration: real InspIRCd)', function () {
  this.timeout(60_000);
  let dir: string;
  let port: number;
  let tlsPort: number;
  let ircd: ChildProcess;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kb-irc-pass-'));
    port = await freePort();
    tlsPort = await freePort();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    writeFileSync(
      join(dir, 'inspircd.conf'),
      `<config format="xml">
<server name="irc.pass.test" description="password test" network="KbPass">
<admin name="t" nick="t" email="t@localhost">
<bind address="127.0.0.1" port="${port}" type="clients">
<module name="ssl_gnutls">
<sslprofile name="Clients" provider="gnutls" certfile="${dir}/cert.pem" keyfile="${dir}/key.pem" requestclientcert="no">
<bind address="127.0.0.1" port="${tlsPort}" type="clients" sslprofile="Clients">
<connect name="pw" allow="127.0.0.1" password="open-sesame" timeout="20" localmax="100" globalmax="100" resolvehostnames="no" useident="no" fakelag="off">
<dns server="127.0.0.1" timeout="1">
<files motd="${dir}/motd.txt">
<pid file="${dir}/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${dir}/ircd.log">
`,
    );
    writeFileSync(join(dir, 'motd.txt'), 'x\n');
    ircd = spawn('inspircd', [`--config=${join(dir, 'inspircd.conf')}`, '--nofork', '--runasroot'], { stdio: 'pipe' });
    let out = '';
    ircd.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /is now running/.test(out), `inspircd started (${out.slice(-300)})`, 30_000);
  });
  after(async () => {
    if (ircd && ircd.exitCode === null) {
      ircd.kill('SIGTERM');
      await new Promise((r) => ircd.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (password: string | undefined, states: ConnectionState[], tls = false): IrcConnection => {
    // The certificate is self-signed, so this test alone skips verification; the bridge verifies by default.
    const endpoint = tls ? { host: '127.0.0.1', port: tlsPort, tls: true, rejectUnauthorized: false } : { host: '127.0.0.1', port, tls: false };
    const c = new IrcConnection({ id: 'pw', endpoint: { ...endpoint, ...(password ? { password } : {}) }, nick: 'pwbot', flood: { burstLines: 4, intervalMs: 100 }, backoff: { baseMs: 50, maxMs: 100 } });
    c.onState((s) => states.push(s));
    c.start();
    return c;
  };

  it('registers with the right password', async () => {
    const states: ConnectionState[] = [];
    const c = connect('open-sesame', states);
    try {
      await waitFor(() => c.state === 'registered', 'registered');
    } finally {
      await c.stop();
    }
  });

  it('registers over TLS with the password', async () => {
    const states: ConnectionState[] = [];
    const c = connect('open-sesame', states, true);
    try {
      await waitFor(() => c.state === 'registered', 'registered over TLS');
    } finally {
      await c.stop();
    }
  });

  it('refuses a server whose certificate it cannot verify, and keeps trying', async () => {
    const states: ConnectionState[] = [];
    const c = new IrcConnection({ id: 'tls', endpoint: { host: '127.0.0.1', port: tlsPort, tls: true, password: 'open-sesame' }, nick: 'tlsbot', flood: { burstLines: 4, intervalMs: 100 }, backoff: { baseMs: 50, maxMs: 100 } });
    c.onState((s) => states.push(s));
    c.start();
    try {
      await waitFor(() => states.filter((s) => s === 'reconnecting').length >= 2, 'two refusals');
      assert.ok(!states.includes('registered'));
    } finally {
      await c.stop();
    }
  });

  it('is refused without it or with a wrong one, and keeps trying (state visible as reconnecting)', async () => {
    for (const pw of [undefined, 'wrong']) {
      const states: ConnectionState[] = [];
      const c = connect(pw, states);
      try {
        await waitFor(() => states.filter((s) => s === 'reconnecting').length >= 2, 'two refusals');
        assert.ok(!states.includes('registered'));
      } finally {
        await c.stop();
      }
    }
  });
});
