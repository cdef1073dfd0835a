import type { GroupEvent } from '../../../src/groupchat/events.js';
import { GroupChatEngine } from '../../../src/groupchat/engine.js';
import { MemoryGroupStateStore } from '../../../src/groupchat/memory-state-store.js';
import type { GroupStateStore } from '../../../src/groupchat/state-store.js';
import type { PigeonholePort } from '../../../src/groupchat/pigeonhole-port.js';
import { DEFAULT_POLICY, type PolicyConfig } from '../../../src/groupchat/scheduler-policy.js';

/** Fast policy for tests: short backoffs, so idle polling does not slow a test down. */
export const TEST_POLICY: PolicyConfig = {
  ...DEFAULT_POLICY,
  minBackoffMs: 5,
  maxBackoffMs: 40,
  warmMaxBackoffMs: 20,
  errorRetryMs: 20,
  readsPerSecond: 100_000,
  burst: 1000,
};

/** One engine plus everything it emitted. */
export class Peer<S extends GroupStateStore = MemoryGroupStateStore> {
  readonly events: GroupEvent[] = [];
  readonly engine: GroupChatEngine;
  private waiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    port: PigeonholePort,
    readonly store: S = new MemoryGroupStateStore() as unknown as S,
    policy: PolicyConfig = TEST_POLICY,
    onEvent?: (e: GroupEvent) => void | Promise<void>,
    /** Expected engine errors go here; by default any error fails the test. */
    onError?: (where: string, e: unknown) => void,
  ) {
    this.engine = new GroupChatEngine({
      port,
      store,
      policy,
      onEvent: async (e) => {
        await onEvent?.(e);
        this.events.push(e);
        for (const w of this.waiters.splice(0)) w();
      },
      onError:
        onError ??
        ((where, e) => {
          throw new Error(`${name}: ${where}: ${String(e)}`);
        }),
    });
  }

  /** Resolves with the first event (from `from` on) that matches, or rejects after timeoutMs. */
  async waitFor<T extends GroupEvent>(pred: (e: GroupEvent) => e is T, timeoutMs?: number): Promise<T>;
  async waitFor(pred: (e: GroupEvent) => boolean, timeoutMs?: number): Promise<GroupEvent>;
  async waitFor(pred: (e: GroupEvent) => boolean, timeoutMs = 5000): Promise<GroupEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: timed out; events: ${this.events.map((e) => e.type).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  texts(groupId: string): string[] {
    return this.events.flatMap((e) => (e.type === 'text' && e.groupId === groupId ? [e.text] : []));
  }
}

export const isType =
  <K extends GroupEvent['type']>(type: K, extra: (e: Extract<GroupEvent, { type: K }>) => boolean = () => true) =>
  (e: GroupEvent): e is Extract<GroupEvent, { type: K }> =>
    e.type === type && extra(e as Extract<GroupEvent, { type: K }>);
