// An IRC user for the IRC integration tests, on irc-framework: buffers PRIVMSG, ACTION and
// NOTICE (the shared test client keeps PRIVMSG only), so a test can wait for any of them.
import { createRequire } from 'node:module';

interface FrameworkClient {
  connect(options: Record<string, unknown>): void;
  on(event: string, listener: (event: never) => void): void;
  join(channel: string): void;
  say(target: string, message: string): void;
  action(target: string, message: string): void;
  notice(target: string, message: string): void;
  raw(line: string): void;
  quit(message?: string): void;
  connected: boolean;
}

const Client = (createRequire(import.meta.url)('irc-framework') as { Client: new () => FrameworkClient }).Client;

export interface Heard {
  readonly type: 'privmsg' | 'action' | 'notice';
  readonly nick: string;
  readonly target: string;
  readonly message: string;
}

export class IrcUser {
  readonly heard: Heard[] = [];
  private readonly client = new Client();
  private readonly joined = new Set<string>();
  readonly closed: Promise<void>;

  private constructor(readonly nick: string) {
    for (const type of ['privmsg', 'action', 'notice'] as const) {
      this.client.on(type, (e: { nick: string; target: string; message: string }) => this.heard.push({ type, nick: e.nick, target: e.target, message: e.message }));
    }
    this.client.on('join', (e: { nick: string; channel: string }) => {
      if (e.nick === this.nick) this.joined.add(e.channel.toLowerCase());
    });
    this.closed = new Promise((r) => this.client.on('socket close', () => r()));
  }

  static async connect(server: { host: string; port: number }, nick: string): Promise<IrcUser> {
    const u = new IrcUser(nick);
    const registered = new Promise<void>((resolve) => u.client.on('registered', () => resolve()));
    u.client.connect({ host: server.host, port: server.port, nick, username: nick, gecos: nick, auto_reconnect: false });
    await within(registered, 10_000, `${nick} registered`);
    return u;
  }

  async join(channel: string): Promise<void> {
    this.client.join(channel);
    await waitFor(() => this.joined.has(channel.toLowerCase()), `${this.nick} joined ${channel}`);
  }

  say(target: string, text: string): void {
    this.client.say(target, text);
  }

  action(target: string, text: string): void {
    this.client.action(target, text);
  }

  /** Waits until `n` heard messages match, and returns them in arrival order. */
  async expect(match: (h: Heard) => boolean, n = 1, ms = 15_000): Promise<Heard[]> {
    await waitFor(() => this.heard.filter(match).length >= n, `${this.nick} heard ${n} matching`, ms);
    return this.heard.filter(match);
  }

  async quit(): Promise<void> {
    if (this.client.connected) this.client.quit('bye');
    await within(this.closed, 5000, `${this.nick} closed`).catch(() => undefined);
  }
}

export async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}
