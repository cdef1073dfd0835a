// Where kpclientd listens (thin-client §1.1): a unix socket path, a Linux abstract name ("@name")
// or TCP host:port. WebSocket (HEAD only) is not supported, as in the 0.0.23 clients.
import { connect, type Socket } from 'node:net';

export type DaemonAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/**
 * Accepts "unix:/path", "/path" or "./path", "@abstract", "tcp://host:port", "host:port",
 * "[::1]:port". Throws TypeError/RangeError naming the problem.
 */
export function parseDaemonAddress(address: string): DaemonAddress {
  if (typeof address !== 'string' || address.length === 0) throw new TypeError('daemon address must be a non-empty string');
  if (address.startsWith('unix:')) return { kind: 'unix', path: address.slice(5) };
  if (address.startsWith('@')) return { kind: 'unix', path: `\0${address.slice(1)}` };
  if (address.startsWith('/') || address.startsWith('.')) return { kind: 'unix', path: address };
  const rest = address.replace(/^tcp[46]?:\/\//, '');
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(rest);
  if (!m) throw new TypeError('daemon address must be unix:/path, @name or host:port');
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`daemon port ${m[3]} is out of range`);
  return { kind: 'tcp', host: (m[1] ?? m[2])!, port };
}

export function describeAddress(a: DaemonAddress): string {
  if (a.kind === 'tcp') return `tcp ${a.host}:${a.port}`;
  return a.path.startsWith('\0') ? `unix @${a.path.slice(1)}` : `unix ${a.path}`;
}

/** Opens the socket; resolves once connected. */
export function dial(a: DaemonAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = a.kind === 'tcp' ? connect({ host: a.host, port: a.port }) : connect({ path: a.path });
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      // The daemon sets TCP_NODELAY on its side (§1.1); small request frames should not wait either.
      if (a.kind === 'tcp') socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
