import { createHash, timingSafeEqual } from 'node:crypto';
import { AppService } from 'matrix-appservice-bridge';
import { silentLogger, type BridgeLogger } from '../bridge/index.js';

/**
 * The appservice HTTP listener with transactions that survive a restart (appservice API
 * "Pushing events"). matrix-appservice 3.0 answers 200 as soon as it has emitted a
 * transaction's events, without waiting for them to be handled, and remembers only the last
 * transaction id in memory; a crash right after could lose events the homeserver will not send
 * again. Here the answer waits until every event has been handled (the Bridge's "event" listener
 * returns its promise, which settles when our controller resolves the request), and the
 * transaction id is then stored, so a transaction the homeserver sends again after a restart is
 * acknowledged without being handled twice. A failure answers 500: the homeserver retries.
 *
 * Answers are spaced (ANSWER_SPACING_MS): Synapse keeps one transaction in flight per appservice
 * and gathers the events that come meanwhile into its next one, and each transaction costs it
 * about 8 ms of CPU beyond its events (bench:matrix: Synapse CPU per message from Matrix 24 ms
 * direct, 33 ms bridged with one event per transaction). Holding the answer to a burst's second
 * transaction a little lets the rest of the burst travel together. Durability is unchanged: the
 * events are handled before the wait; only the homeserver's next push waits.
 *
 * A transaction is known by its id AND the event ids it carries: Synapse on SQLite numbers
 * transactions from 1 again after a restart (it derives the next id from the table of
 * unacknowledged ones, which is empty), so an id alone would make us drop a restarted
 * homeserver's new events as "already done". A genuine resend carries the same events.
 */

/** A transaction is answered no sooner than this after the previous answer. The bridge feeds a
 *  mixnet with round trips of seconds, so a burst's messages reaching Katzenpost this much later
 *  costs nothing a user can see; a lone event (none answered within this) is answered at once. */
export const ANSWER_SPACING_MS = 200;

/** The durable key of a transaction: its id plus a digest of its events' ids. */
export function transactionKey(txnId: string, events: readonly unknown[]): string {
  const h = createHash('sha256');
  for (const e of events) {
    const id = typeof e === 'object' && e !== null ? (e as { event_id?: unknown }).event_id : undefined;
    h.update(typeof id === 'string' ? id : JSON.stringify(e) ?? '');
    h.update('\0');
  }
  return `${txnId}:${h.digest('hex').slice(0, 32)}`;
}

export interface TransactionLog {
  transactionDone(txnId: string): Promise<boolean>;
  markTransactionDone(txnId: string, nowMs: number): Promise<void>;
}

interface Req {
  readonly params: Record<string, string | undefined>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
}
interface Res {
  status(code: number): Res;
  send(body: unknown): unknown;
}

type Listener = (event: unknown) => unknown;

export interface DurableAppServiceOptions {
  /** ANSWER_SPACING_MS unless set. */
  readonly answerSpacingMs?: number;
  /** Clock and timer (tests). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class DurableAppService extends AppService {
  #hsToken: string;
  #log: TransactionLog;
  #logger: BridgeLogger;
  /** Transactions being handled: a retry arriving meanwhile waits for the same outcome. */
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #spacingMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #answeredAtMs = -Infinity;

  constructor(homeserverToken: string, log: TransactionLog, logger: BridgeLogger = silentLogger, o: DurableAppServiceOptions = {}) {
    super({ homeserverToken });
    this.#hsToken = homeserverToken;
    this.#log = log;
    this.#logger = logger;
    this.#spacingMs = o.answerSpacingMs ?? ANSWER_SPACING_MS;
    this.#now = o.now ?? Date.now;
    this.#sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Handles `PUT /_matrix/app/v1/transactions/:txnId` (installed as onTransaction below). */
  async durableTransaction(req: Req, res: Res): Promise<void> {
    const auth = req.headers['authorization'];
    const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : req.query['access_token'];
    if (!sameToken(given, this.#hsToken)) {
      res.status(403).send({ errcode: 'M_FORBIDDEN', error: 'Bad token supplied' });
      return;
    }
    const txnId = req.params['txnId'];
    const body = req.body as { events?: unknown; 'de.sorunome.msc2409.ephemeral'?: unknown } | undefined;
    if (!txnId || typeof body !== 'object' || body === null) {
      res.status(400).send({ errcode: 'M_BAD_JSON', error: 'Missing transaction ID or body' });
      return;
    }
    const events: readonly unknown[] = Array.isArray(body.events) ? body.events : [];
    const key = transactionKey(txnId, events);
    let run = this.#inFlight.get(key);
    if (!run) {
      run = this.#handle(key, events).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, run);
    }
    try {
      await run;
      const waitMs = this.#answeredAtMs + this.#spacingMs - this.#now();
      if (waitMs > 0) await this.#sleep(waitMs);
      this.#answeredAtMs = this.#now();
      res.send({});
    } catch (e) {
      this.#logger.log('error', 'matrix.transaction_failed', { cause: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 200) : 'unknown' });
      res.status(500).send({ errcode: 'M_UNKNOWN', error: 'The bridge could not handle the transaction; send it again.' });
    }
    // Ephemeral events (typing, receipts, presence) are deliberately not handled: they never
    // travel into Katzenpost (issue 6 "privacy by default").
  }

  async #handle(key: string, events: readonly unknown[]): Promise<void> {
    if (await this.#log.transactionDone(key)) return;
    for (const event of events) {
      // In order, one at a time: each portal's messages must reach the core in room order.
      for (const listener of this.listeners('event') as Listener[]) await listener(event);
    }
    await this.#log.markTransactionDone(key, Date.now());
  }
}

// matrix-appservice binds its route to `this.onTransaction` in its constructor; the method is
// private in its typings, so ours is installed under that name here, where TypeScript allows it.
// test/unit/matrix/durable-appservice.test.ts checks this against the installed library over HTTP.
Object.defineProperty(DurableAppService.prototype, 'onTransaction', {
  value: DurableAppService.prototype.durableTransaction,
  writable: true,
  configurable: true,
});
