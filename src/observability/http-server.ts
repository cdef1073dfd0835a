// The operator's HTTP endpoint (config `metrics.listen`, loopback by default): /metrics in the
// Prometheus text format, /health (the process answers: 200) and /ready (200 only when every
// readiness check passes, else 503 naming the ones that do not). /healthz and /readyz are the
// same, as config.sample.yaml names them. GET and HEAD only; nothing here echoes request data, and
// the bodies are built from metric values and redacted readiness reasons, so no secret can leak.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../config/index.js';
import { SILENT_LOGGER, type Logger } from './logger.js';
import type { Readiness } from './readiness.js';
import { EXPOSITION_CONTENT_TYPE, type Registry } from './registry.js';

/** Slow or stuck scrapers are cut off; Prometheus' own scrape timeout defaults to 10 s. */
const REQUEST_TIMEOUT_MS = 10_000;
const ALLOWED_METHODS = 'GET, HEAD';

export interface ObservabilityServerOptions {
  /** Port 0 picks a free port (tests). */
  readonly listen: ListenAddress;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly log?: Logger;
}

type Reply = { status: number; type: string; body: string; headers?: Record<string, string> };

export class ObservabilityServer {
  private constructor(
    private readonly server: Server,
    readonly address: ListenAddress,
  ) {}

  static async start(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
    const log = options.log ?? SILENT_LOGGER;
    const server = createServer((req, res) => {
      handle(req, options)
        .then((reply) => send(req, res, reply))
        .catch((e: unknown) => {
          log.error('observability.request_failed', { path: pathOf(req), err: e });
          send(req, res, { status: 500, type: 'text/plain; charset=utf-8', body: 'internal error\n' });
        });
    });
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = REQUEST_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => log.error('observability.server_error', { err: e }));
    const a = server.address() as AddressInfo;
    log.info('observability.listening', { host: a.address, port: a.port });
    return new ObservabilityServer(server, { host: a.address, port: a.port });
  }

  /** `http://host:port` as bound (IPv6 in brackets). */
  get url(): string {
    return `http://${this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host}:${this.address.port}`;
  }

  /** Stops listening and ends open connections (scrapers keep them alive); resolves when closed. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

async function handle(req: IncomingMessage, o: ObservabilityServerOptions): Promise<Reply> {
  const path = pathOf(req);
  const route = ROUTES[path];
  if (!route) return { status: 404, type: TEXT, body: 'not found; try /metrics, /health or /ready\n' };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return { status: 405, type: TEXT, body: 'method not allowed\n', headers: { Allow: ALLOWED_METHODS } };
  }
  return route(o);
}

const ROUTES: Record<string, ((o: ObservabilityServerOptions) => Promise<Reply>) | undefined> = {
  '/metrics': async (o) => ({ status: 200, type: EXPOSITION_CONTENT_TYPE, body: o.registry.expose() }),
  '/health': health,
  '/healthz': health,
  '/ready': ready,
  '/readyz': ready,
};

async function health(): Promise<Reply> {
  return { status: 200, type: JSON_TYPE, body: `${JSON.stringify({ status: 'ok' })}\n` };
}

async function ready(o: ObservabilityServerOptions): Promise<Reply> {
  const report = await o.readiness.report();
  const checks = Object.fromEntries(report.checks.map((c) => [c.name, c.ready ? 'ok' : (c.reason ?? 'not ready')]));
  const body = report.ready
    ? { status: 'ready', checks }
    : { status: 'not ready', notReady: report.checks.filter((c) => !c.ready).map((c) => c.name), checks };
  return { status: report.ready ? 200 : 503, type: JSON_TYPE, body: `${JSON.stringify(body)}\n` };
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    'Content-Type': reply.type,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...reply.headers,
  });
  // HEAD: the same headers, no body (RFC 9110 §9.3.2).
  res.end(req.method === 'HEAD' ? undefined : body);
}
