/**
 * IRC nicknames for ghosts (issue 7 "nick derived from the display name, sanitised to IRC rules,
 * collisions resolved"). RFC 2812 §2.3.1: a nick starts with a letter or one of []\`_^{|} and
 * goes on with those, digits and '-'. Servers differ on length (ISUPPORT NICKLEN), so the limit
 * is a parameter. Comparison uses the rfc1459 case mapping (RFC 2812 §2.2): {}|^ are the lower
 * case of []\~, which is InspIRCd's and most networks' default.
 */

/** RFC 2812's limit; most networks allow more (NICKLEN), which callers pass in. */
export const DEFAULT_NICK_LENGTH = 9;
const SPECIAL = '[]\\`_^{|}';
const FIRST_OK = new RegExp(`^[A-Za-z${SPECIAL.replace(/[\]\\^]/g, '\\$&')}]`);
const REST_BAD = /[^A-Za-z0-9[\]\\`_^{|}-]/g;

/** rfc1459 case folding: the key under which two nicks (or channels) are the same. */
export function ircLower(s: string): string {
  return s.toLowerCase().replace(/[[\]\\~]/g, (c) => ({ '[': '{', ']': '}', '\\': '|', '~': '^' })[c]!);
}

/**
 * A nick from a display name: accents reduced to their base letter, spaces and other characters
 * dropped (a space becomes '_' between words), a bad first character prefixed with '_', cut to
 * `maxLength`. Never empty: a name with nothing usable gives `fallback`.
 */
export function sanitiseNick(displayName: string, maxLength = DEFAULT_NICK_LENGTH, fallback = 'kp'): string {
  if (typeof displayName !== 'string') throw new TypeError('sanitiseNick: displayName must be a string');
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`sanitiseNick: maxLength must be an integer >= 2, got ${maxLength}`);
  let n = displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .replace(/\s+/g, '_')
    .replace(REST_BAD, '');
  if (n === '' || /^[_-]*$/.test(n)) n = fallback;
  if (!FIRST_OK.test(n)) n = `_${n}`;
  return n.slice(0, maxLength);
}

/**
 * Hands out distinct nicks: a wanted nick already taken (by another ghost, or reported in use by
 * the server) gets a numeric suffix, shortening the base so the result still fits `maxLength`.
 * The same owner asking again keeps its nick.
 */
export class NickAllocator {
  private readonly byNick = new Map<string, string>();
  private readonly byOwner = new Map<string, string>();
  private readonly reserved = new Set<string>();

  constructor(private readonly maxLength = DEFAULT_NICK_LENGTH) {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`NickAllocator: maxLength must be an integer >= 2, got ${maxLength}`);
  }

  /** Nicks nobody may get (the bot's, real users seen in the channel). */
  reserve(nick: string): void {
    this.reserved.add(ircLower(nick));
  }

  release(nick: string): void {
    this.reserved.delete(ircLower(nick));
  }

  /** The nick `owner` has, if any. */
  nickOf(owner: string): string | undefined {
    return this.byOwner.get(owner);
  }

  /** The owner of `nick` (case-insensitive), if it is one of ours. */
  ownerOf(nick: string): string | undefined {
    return this.byNick.get(ircLower(nick));
  }

  /** A free nick for `owner` based on `wanted`; `avoid` is also treated as taken (the server
   *  said it is in use). Replaces the owner's previous nick. */
  allocate(owner: string, wanted: string, avoid?: string): string {
    const base = sanitiseNick(wanted, this.maxLength);
    const current = this.byOwner.get(owner);
    const taken = (n: string): boolean => {
      const k = ircLower(n);
      return this.reserved.has(k) || (avoid !== undefined && k === ircLower(avoid)) || (this.byNick.has(k) && this.byNick.get(k) !== owner);
    };
    let nick = base;
    for (let i = 2; taken(nick); i++) {
      const suffix = String(i);
      nick = base.slice(0, this.maxLength - suffix.length) + suffix;
    }
    if (current !== undefined) this.byNick.delete(ircLower(current));
    this.byNick.set(ircLower(nick), owner);
    this.byOwner.set(owner, nick);
    return nick;
  }

  free(owner: string): void {
    const n = this.byOwner.get(owner);
    if (n === undefined) return;
    this.byOwner.delete(owner);
    this.byNick.delete(ircLower(n));
  }
}
