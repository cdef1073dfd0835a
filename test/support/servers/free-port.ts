import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago, chosen by the kernel so parallel runs
 *  don't collide. The server scripts refuse a port that is taken by the time they start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('free-port: the kernel gave no port'));
      });
    });
  });
}
