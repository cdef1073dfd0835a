// A small promise-shaped IRC client for end-to-end tests, on irc-framework (the library the
// bridge's IRC side uses). Messages are buffered from the moment of connecting, so a test that
// waits for a message after sending never misses one that arrived first.
import { createRequire } from 'node:module';

const DEFAULT_TIMEOUT_MS = 10_000;

/** The part of irc-framework's Client these tests use (the package ships no types). */
interface FrameworkClient {
  connect(options: Record<string, unknown>): void;
  on(event: string, listener: (event: never) => void): void;
  removeListener(event: string, listener: (event: never) => void): void;
  join(channel: string): void;
  say(target: string, message: string): void;
  quit(message?: string): void;
  connected: boolean;
}

const frameworkClient = (
  createRequire(import.meta.url)('irc-framework') as { Client: new () => FrameworkClient }
).Client;

export interface IrcMessage {
  nick: string;
  target: string;
  message: string;
}

export interface TestIrcClient {
  readonly nick: string;
  /** Joins and resolves once the server confirms it. */
  join(channel: string, timeoutMs?: number): Promise<void>;
  say(target: string, text: string): void;
  /** The next buffered or incoming PRIVMSG that matches, consumed from the buffer. */
  nextMessage(match: (m: IrcMessage) => boolean, timeoutMs?: number): Promise<IrcMessage>;
  /** Resolves when the connection is gone (quit, server stop or restart). */
  readonly closed: Promise<void>;
  quit(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`IRC test client: ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function connectIrcClient(
  server: { host: string; port: number },
  nick: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<TestIrcClient> {
  const client = new frameworkClient();
  const inbox: IrcMessage[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  client.on('privmsg', (e: IrcMessage) => {
    inbox.push({ nick: e.nick, target: e.target, message: e.message });
    wake();
  });
  const closed = new Promise<void>((resolve) => client.on('socket close', () => resolve()));
  const registered = new Promise<void>((resolve) => client.on('registered', () => resolve()));
  // No auto-reconnect: a test decides itself when to come back after a server restart.
  client.connect({ host: server.host, port: server.port, nick, username: nick, gecos: nick, auto_reconnect: false });
  await withTimeout(Promise.race([registered, closed.then(() => Promise.reject(new Error(`IRC test client ${nick}: connection closed before registration`)))]), timeoutMs, `${nick} not registered`);

  return {
    nick,
    closed,
    async join(channel, ms = timeoutMs) {
      let onJoin: ((e: { nick: string; channel: string }) => void) | undefined;
      const joined = new Promise<void>((resolve) => {
        onJoin = (e) => {
          if (e.nick === nick && e.channel.toLowerCase() === channel.toLowerCase()) resolve();
        };
        client.on('join', onJoin);
      });
      client.join(channel);
      try {
        await withTimeout(joined, ms, `${nick} did not join ${channel}`);
      } finally {
        client.removeListener('join', onJoin!);
      }
    },
    say(target, text) {
      client.say(target, text);
    },
    async nextMessage(match, ms = timeoutMs) {
      let waiter: (() => void) | undefined;
      const found = new Promise<IrcMessage>((resolve) => {
        waiter = () => {
          const i = inbox.findIndex(match);
          if (i < 0) return;
          const [m] = inbox.splice(i, 1);
          waiters.delete(waiter!);
          resolve(m!);
        };
        waiters.add(waiter);
        waiter();
      });
      try {
        return await withTimeout(found, ms, `${nick} got no matching message`);
      } finally {
        waiters.delete(waiter!);
      }
    },
    async quit() {
      if (client.connected) client.quit('test done');
      await withTimeout(closed, timeoutMs, `${nick} did not disconnect`);
    },
  };
}
