// Shared builders for the groupchat unit tests (not a test file).
import { WriteCap } from '../../../src/bacap/index.js';
import { MEMBERSHIP_HASH_TODO, MsgType, type GroupChatMessage } from '../../../src/groupchat/index.js';

/** A real read cap (root key on the curve), from the BACAP layer. */
export function realReadCap(): Uint8Array {
  return WriteCap.generate().readCap().toBytes();
}

/** The vectors' fake cap(k) = bytes((k+i) mod 256); cap(0x10) is not a curve point. */
export function fakeCap(k: number): Uint8Array {
  return Uint8Array.from({ length: 136 }, (_, i) => (k + i) & 0xff);
}

export function textMessage(text: string, extra: Partial<GroupChatMessage> = {}): GroupChatMessage {
  return { version: 0, membershipHash: MEMBERSHIP_HASH_TODO, msgType: MsgType.TEXT, text, ...extra };
}

/** Deterministic PRNG (xorshift32) so a failing random case can be replayed from its seed. */
export function rng(seed: number): { int(n: number): number; bytes(n: number): Uint8Array } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n) => next() % n,
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}
