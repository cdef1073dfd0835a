// Step: the /health and /ready endpoints (DESIGN.md §5) on metrics.listen. SEAM: the observability
// layer's HTTP server (with /metrics) replaces this once committed; the paths and answers stay.
//   /health (/healthz): 200 while the process serves requests at all.
//   /ready  (/readyz):  200 once every start step finished and until shutdown begins, else 503,
//                       so a load balancer or systemd watchdog stops sending work while draining.
import { createServer, type Server } from 'node:http';
import type { ListenAddress } from '../../config/index.js';

export interface HealthServer {
  /** The bound address, host:port (the real port when 0 was asked for). */
  readonly address: string;
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

export async function startHealthServer(listen: ListenAddress): Promise<HealthServer> {
  let ready = false;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (code: number, status: string): void => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(`${JSON.stringify({ status })}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed');
    if (path === '/health' || path === '/healthz') return answer(200, 'ok');
    if (path === '/ready' || path === '/readyz') return ready ? answer(200, 'ready') : answer(503, 'not ready');
    return answer(404, 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : listen.port;
  return {
    address: `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`,
    setReady: (r) => void (ready = r),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
