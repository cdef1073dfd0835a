// Step: pace the group chat engine's reads by the daemon's send rate (LambdaP in each PKI
// document, thin-client §1.7). Reads started faster than the daemon sends only wait in its
// queue, in front of our own writes.
import type { BridgeLogger } from '../../bridge/index.js';
import { readRateFor, type GroupChatEngine } from '../../groupchat/index.js';
import { lambdaPOf, type PkiDocument, type ThinClient } from '../../katzenpost/index.js';

export function followDaemonSendRate(client: ThinClient, engine: GroupChatEngine, ceiling: number, log: BridgeLogger): void {
  let current: number | undefined;
  const apply = (doc: PkiDocument | null): void => {
    if (!doc) return;
    const rate = readRateFor(lambdaPOf(doc), ceiling);
    if (rate === current) return;
    current = engine.scheduler.setReadsPerSecond(rate);
    log.log('info', 'groupchat.read_rate', { readsPerSecond: Math.round(current * 100) / 100, lambdaP: lambdaPOf(doc) ?? 'unknown' });
  };
  apply(client.pkiDocument);
  client.on('pkiDocument', apply);
}
