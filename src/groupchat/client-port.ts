import { ThinClient, ThinClientError, type PigeonholeApi } from '../katzenpost/client/index.js';
import { PigeonholeError, type PigeonholePort, type ReadOutcome } from './pigeonhole-port.js';

/**
 * The engine's PigeonholePort over the thin client (src/katzenpost/client). Daemon errors become
 * ReadOutcome kinds for reads (thin-client §3.4: 1 not found, 11 tombstone, 24 cancelled) and
 * PigeonholeError for everything else; the client's own 16-request window and the engine's
 * RequestBudget agree (both count a request until its reply).
 */
export function pigeonholePort(client: PigeonholeApi): PigeonholePort {
  const fail = (op: string) => (e: unknown): never => {
    throw new PigeonholeError(op, errorCodeOf(e), e instanceof Error ? e.message : String(e), { cause: e, ...verdictOf(e) });
  };
  return {
    maxPlaintextBytes: () => client.maxPlaintextPayloadLength,
    newStream: async () => {
      const k = await client.newKeypair().catch(fail('new_keypair'));
      return { writeCap: k.writeCap, readCap: k.readCap, firstIndex: k.firstMessageIndex };
    },
    nextIndex: (i) => client.nextMessageBoxIndex(i).catch(fail('next_message_box_index')),
    writeBox: async (cap, index, pt, o) => ({
      nextIndex: await client.writeBox(cap, index, pt, o?.strict ? { noIdempotentBoxAlreadyExists: true } : {}).catch(fail('write')),
    }),
    readBox: async (cap, index, o): Promise<ReadOutcome> => {
      try {
        const r = await client.readBox(cap, index, { noRetryOnBoxIdNotFound: !o.blocking, ...(o.signal ? { signal: o.signal } : {}) });
        return { kind: 'box', plaintext: r.plaintext, nextIndex: r.nextIndex };
      } catch (e) {
        const kind = daemonKind(e);
        if (kind === 'box_not_found') return { kind: 'not_found' };
        if (kind === 'cancelled' || (e instanceof ThinClientError && e.code === 'aborted')) return { kind: 'cancelled' };
        if (kind === 'tombstone') return { kind: 'tombstone', nextIndex: await client.nextMessageBoxIndex(index) };
        return { kind: 'error', code: errorCodeOf(e), detail: e instanceof Error ? e.message : String(e) };
      }
    },
    voucherMint: async (wc, name) => {
      const v = await client.voucherMint(wc, name).catch(fail('voucher_mint'));
      return { voucher: v.voucher, voucherPayload: v.voucherPayload, voucherWriteCap: v.voucherWriteCap, voucherReadCap: v.voucherReadCap, voucherSecretKey: v.voucherSecretKey };
    },
    voucherDeriveStream: (v) => client.voucherDeriveStream(v).catch(fail('voucher_derive_stream')),
    voucherInduct: async (v, payload, who) => {
      const r = await client.voucherInduct(v, payload, who).catch(fail('voucher_induct'));
      return { displayName: r.displayName, mutatedReadCap: r.mutatedMessageReadCap, sealedReply: r.sealedReply, voucherWriteCap: r.voucherWriteCap };
    },
    voucherOpen: async (secret, sealed, wc) => {
      const r = await client.voucherOpen(secret, sealed, wc).catch(fail('voucher_open'));
      return { whoReply: r.whoReply, mutatedWriteCap: r.mutatedMessageWriteCap };
    },
  };
}

/** Connects a ThinClient to `address` ("unix:/path", "/path", "@name", "host:port") and wraps it. */
export async function connectPigeonhole(address: string): Promise<{ port: PigeonholePort; client: ThinClient; close(): Promise<void> }> {
  const client = new ThinClient({ address });
  await client.connect();
  return { port: pigeonholePort(client), client, close: () => client.close() };
}

// The client rejects with protocol DaemonError (code kind + numeric errorCode), which its public
// surface does not re-export; groupchat may import only katzenpost/client, so read it by shape.
function daemonKind(e: unknown): string | undefined {
  return e instanceof Error && e.name === 'DaemonError' ? String((e as Error & { code: unknown }).code) : undefined;
}

/** The daemon's own verdict (protocol error-codes.ts, read by shape as above). Anything else (a
 *  ThinClientError: closed, aborted, connect_failed) is the client's situation, never final. */
function verdictOf(e: unknown): { kind?: string; retriable?: boolean } {
  if (!(e instanceof Error && e.name === 'DaemonError')) return {};
  const d = e as Error & { code: unknown; retriable: unknown };
  return { kind: String(d.code), retriable: d.retriable !== false };
}

function errorCodeOf(e: unknown): number {
  if (e instanceof Error && e.name === 'DaemonError') return Number((e as Error & { errorCode: unknown }).errorCode);
  return -1;
}
