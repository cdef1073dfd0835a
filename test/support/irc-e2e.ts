import type { KatzenbridgeProcess } from './bridge-process.js';
import type { InspircdServer } from './servers/index.js';
import { IrcUser, waitFor } from '../integration/irc-test-client.js';

// What the IRC end-to-end tests share: a `katzenbridge peer` driven by its JSON lines, and IRC
// users that talk to the bridge bot.

/** `katzenbridge peer` with its JSON-lines output parsed. */
export class Peer {
  readonly events: Array<Record<string, unknown>> = [];
  private buf = '';
  constructor(readonly p: KatzenbridgeProcess) {
    p.child.stdout.on('data', (d: Buffer | string) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        try {
          this.events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* not an event line */
        }
      }
    });
  }
  send(line: string): void {
    this.p.child.stdin.write(`${line}\n`);
  }
  async next(match: (e: Record<string, unknown>) => boolean, what: string, ms = 60_000): Promise<Record<string, unknown>> {
    await waitFor(() => this.events.some(match), `peer: ${what}`, ms);
    return this.events.find(match)!;
  }
}

/** IRC users of one test, on the server `server()` gives once it runs; `ask` PMs the bot. */
export class IrcUsers {
  readonly all: IrcUser[] = [];
  constructor(
    private readonly server: () => InspircdServer,
    private readonly bot = 'kbbot',
  ) {}

  async user(nick: string, channel?: string): Promise<IrcUser> {
    const u = await IrcUser.connect(this.server(), nick);
    this.all.push(u);
    if (channel) await u.join(channel);
    return u;
  }

  /** Sends `command` to the bot in private and resolves with its answer. */
  async ask(u: IrcUser, command: string): Promise<string> {
    const mine = (h: { nick: string; target: string }) => h.nick === this.bot && h.target === u.nick;
    const before = u.heard.filter(mine).length;
    u.say(this.bot, command);
    const all = await u.expect(mine, before + 1, 60_000);
    return all[before]!.message;
  }

  async quitAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((u) => u.quit()));
  }
}
