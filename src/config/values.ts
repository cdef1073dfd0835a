// Checks and parsers for the value formats the schema uses. Each returns the fix, phrased as what
// to write instead, never just "invalid".
import type { Converted, Fix } from './fields.js';

/** Where kpclientd (or its in-process emulator) is reached; DESIGN.md §2. */
export type DaemonAddress =
  | { readonly kind: 'embedded-emulator' }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;

export function checkHost(host: string): Fix {
  return HOST.test(host) ? undefined : `use a host name or IP address (IPv6 in brackets), not ${JSON.stringify(host)}`;
}

/** `host:port`, IPv6 as `[::1]:port`. */
export function parseHostPort(text: string): Converted<ListenAddress> {
  const m = /^(.*):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535 || checkHost(m[1]!) !== undefined) {
    return { ok: false, fix: `write host:port (e.g. 127.0.0.1:9000 or [::1]:9000), not ${JSON.stringify(text)}` };
  }
  return { ok: true, value: { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port } };
}

/** `embedded-emulator`, `unix:/path`, an absolute socket path, or `tcp:host:port`. */
export function parseDaemonAddress(text: string): Converted<DaemonAddress> {
  if (text === 'embedded-emulator') return { ok: true, value: { kind: 'embedded-emulator' } };
  const path = text.startsWith('unix:') ? text.slice('unix:'.length) : text.startsWith('/') ? text : undefined;
  if (path !== undefined) {
    return path.startsWith('/') && !path.includes('\0')
      ? { ok: true, value: { kind: 'unix', path } }
      : { ok: false, fix: `give the unix socket as an absolute path (unix:/run/kpclientd/socket), not ${JSON.stringify(text)}` };
  }
  if (text.startsWith('tcp:')) {
    const hp = parseHostPort(text.slice('tcp:'.length));
    return hp.ok ? { ok: true, value: { kind: 'tcp', ...hp.value } } : hp;
  }
  return {
    ok: false,
    fix: `write embedded-emulator, unix:/absolute/socket/path or tcp:host:port, not ${JSON.stringify(text)}`,
  };
}

export function checkHttpUrl(text: string): Fix {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `write an absolute URL such as https://matrix.example.org, not ${JSON.stringify(text)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `use an http:// or https:// URL, not ${url.protocol}`;
  if (url.username || url.password) return 'remove the user name and password from the URL';
  return undefined;
}

/** A Matrix server name (spec: server name grammar, simplified to host[:port]). */
export function checkServerName(text: string): Fix {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(text);
  return m && checkHost(m[1]!) === undefined && (m[2] === undefined || Number(m[2]) <= 65535)
    ? undefined
    : `write the server name as in user IDs (example.org, no scheme), not ${JSON.stringify(text)}`;
}

/** Characters allowed in Matrix user localparts (spec: "historical" set excluded). */
export function checkLocalpart(text: string): Fix {
  return /^[a-z0-9._=/-]+$/.test(text)
    ? undefined
    : `use only a-z, 0-9 and . _ = - / (Matrix localpart characters), not ${JSON.stringify(text)}`;
}

/** An admin is a Matrix user ID or `irc:NETWORK/NICK` for a user on a configured IRC network. */
export function checkAdmin(text: string): Fix {
  if (/^@[a-z0-9._=/-]+:[^\s:]+(?::\d+)?$/.test(text)) return undefined;
  if (/^irc:[A-Za-z0-9_-]+\/[^\s!@/]+$/.test(text)) return undefined;
  return `write a Matrix user ID (@alice:example.org) or irc:NETWORK/NICK, not ${JSON.stringify(text)}`;
}

export const DISPLAY_NAME_PLACEHOLDERS = ['{name}', '{network}'] as const;

export function checkDisplayNameTemplate(text: string): Fix {
  const unknown = (text.match(/\{[^}]*\}/g) ?? []).filter((p) => !(DISPLAY_NAME_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) return `use only the placeholders ${DISPLAY_NAME_PLACEHOLDERS.join(' and ')}, not ${unknown.join(', ')}`;
  if (!text.includes('{name}')) return 'include {name}, or every puppet would have the same display name';
  return undefined;
}

/** RFC 2812 §2.3.1 nickname characters; networks differ on length, so that is left to them. */
export function checkNick(text: string): Fix {
  return /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]*$/.test(text)
    ? undefined
    : `use an IRC nickname (a letter or one of []\\\`_^{|} first, then letters, digits, -), not ${JSON.stringify(text)}`;
}

/** "#CHANNEL=GROUP": an IRC channel and a local group id (irc.networks.*.channels). */
export function checkChannelMapping(text: string): Fix {
  const m = /^([#&][^\s,=\x07]{1,49})=([A-Za-z0-9._-]{1,200})$/.exec(text);
  return m ? undefined : `write "#CHANNEL=GROUP" (a channel starting with # or &, no spaces or commas; a group id of letters, digits, . _ -), not ${JSON.stringify(text)}`;
}

/** "NAME=NICK!USER@HOST" with * and ? wildcards (irc.networks.*.admin_hostmasks). */
export function checkAdminHostmask(text: string): Fix {
  return /^[^\s!@/=]+=[^!@\s=]+![^!@\s=]+@[^!@\s=]+$/.test(text)
    ? undefined
    : `write "NAME=NICK!USER@HOST" (NAME as in bridge.admins irc:NETWORK/NAME; * and ? match), not ${JSON.stringify(text)}`;
}
