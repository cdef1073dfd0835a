import { ircLower } from './nick.js';

/**
 * Who is an admin on IRC (issue 7: "admins by hostmask and, where the network has services, by
 * account"). A nick alone proves nothing on IRC (anyone may take a free nick), so an admin is
 * recognised only by a hostmask pattern (`nick!user@host`, with * and ?, as in ban masks) or by
 * the services account the server reports (IRCv3 account-tag / account-notify). The identity
 * handed to the core is the config form `irc:NETWORK/NAME` (config bridge.admins).
 */

export interface IrcUserMask {
  readonly nick: string;
  readonly ident: string;
  readonly hostname: string;
  /** Services account, when the network has services and told us. */
  readonly account?: string;
}

export interface AdminRule {
  /** As in config bridge.admins: `irc:NETWORK/NAME`. */
  readonly identity: string;
  readonly hostmasks?: readonly string[];
  readonly accounts?: readonly string[];
}

/** Glob match of a ban-style mask (RFC 2812 §2.5 wildcards * and ?), rfc1459 case-insensitive. */
export function hostmaskMatches(pattern: string, mask: string): boolean {
  if (typeof pattern !== 'string' || typeof mask !== 'string') throw new TypeError('hostmaskMatches: pattern and mask must be strings');
  const p = ircLower(pattern);
  const m = ircLower(mask);
  // Iterative glob with backtracking to the last '*': linear-ish, no regex built from input.
  let pi = 0;
  let mi = 0;
  let star = -1;
  let mark = 0;
  while (mi < m.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === m[mi])) {
      pi++;
      mi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = mi;
    } else if (star >= 0) {
      pi = star + 1;
      mi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

export const fullMask = (u: IrcUserMask): string => `${u.nick}!${u.ident}@${u.hostname}`;

export class AdminMatcher {
  constructor(private readonly rules: readonly AdminRule[]) {
    for (const [i, r] of rules.entries()) {
      if (!/^irc:[A-Za-z0-9_-]+\/\S+$/.test(r.identity)) throw new RangeError(`AdminMatcher: rules[${i}].identity must look like irc:NETWORK/NAME`);
      for (const h of r.hostmasks ?? []) if (!/^[^!@\s]+![^!@\s]+@[^!@\s]+$/.test(h)) throw new RangeError(`AdminMatcher: rules[${i}] has a hostmask that is not nick!user@host`);
    }
  }

  /** The identity of the first rule the user matches, or undefined (not an admin). */
  identityOf(u: IrcUserMask): string | undefined {
    const mask = fullMask(u);
    for (const r of this.rules) {
      if (u.account !== undefined && u.account !== '*' && (r.accounts ?? []).some((a) => ircLower(a) === ircLower(u.account!))) return r.identity;
      if ((r.hostmasks ?? []).some((h) => hostmaskMatches(h, mask))) return r.identity;
    }
    return undefined;
  }

  /** Rules for `network` from config bridge.admins (`irc:NETWORK/NAME`): NAME is taken as a
   *  services account; hostmasks come from `hostmasks` keyed by the same identity. */
  static fromConfig(network: string, admins: readonly string[], hostmasks: Readonly<Record<string, readonly string[]>> = {}): AdminMatcher {
    const prefix = `irc:${network}/`;
    const rules = admins
      .filter((a) => a.startsWith(prefix))
      .map((identity) => ({ identity, accounts: [identity.slice(prefix.length)], hostmasks: hostmasks[identity] ?? [] }));
    return new AdminMatcher(rules);
  }
}
