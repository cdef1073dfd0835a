// The group chat engine's PigeonholePort over the thin client's PigeonholeApi (thin-client §2).
// SEAM: src/groupchat/client-port.ts is meant to export this adapter (today it is an uncommitted
// raw-socket scratch); when it does, daemon/katzenpost.ts imports that one and this file goes.
import { randomBytes } from 'node:crypto';
import { DaemonError, ThinClient, type PigeonholeApi } from '../../katzenpost/index.js';
import { PigeonholeError, type PigeonholePort, type ReadOutcome } from '../../groupchat/index.js';

/** A thrown daemon error as the engine's PigeonholeError (the op and thin code, never bytes). */
function asPigeonholeError(op: string, e: unknown): unknown {
  if (e instanceof DaemonError) return new PigeonholeError(op, e.errorCode, e.code, { cause: e });
  return e;
}

async function wrap<T>(op: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw asPigeonholeError(op, e);
  }
}

export function pigeonholePortOf(client: PigeonholeApi & { readonly maxPlaintextPayloadLength: number }): PigeonholePort {
  return {
    maxPlaintextBytes: () => client.maxPlaintextPayloadLength,
    newStream: () =>
      wrap('new_keypair', async () => {
        const k = await client.newKeypair(new Uint8Array(randomBytes(32)));
        return { writeCap: k.writeCap, readCap: k.readCap, firstIndex: k.firstMessageIndex };
      }),
    nextIndex: (index) => wrap('next_message_box_index', () => client.nextMessageBoxIndex(index)),
    writeBox: (cap, index, plaintext) => wrap('write', async () => ({ nextIndex: await client.writeBox(cap, index, plaintext) })),
    async readBox(cap, index, o): Promise<ReadOutcome> {
      try {
        const r = await client.readBox(cap, index, { noRetryOnBoxIdNotFound: !o.blocking, ...(o.signal ? { signal: o.signal } : {}) });
        return { kind: 'box', plaintext: r.plaintext, nextIndex: r.nextIndex };
      } catch (e) {
        if (o.signal?.aborted) return { kind: 'cancelled' };
        if (!(e instanceof DaemonError)) return { kind: 'error', code: -1, detail: (e as Error).message };
        switch (e.code) {
          case 'box_not_found':
            return { kind: 'not_found' };
          case 'cancelled':
            return { kind: 'cancelled' };
          case 'tombstone':
            // A tombstone still advances: the next index is local arithmetic in the daemon.
            return { kind: 'tombstone', nextIndex: await client.nextMessageBoxIndex(index) };
          default:
            return { kind: 'error', code: e.errorCode, detail: e.code };
        }
      }
    },
    voucherMint: (writeCap, name) => wrap('voucher_mint', () => client.voucherMint(writeCap, name)),
    voucherDeriveStream: (voucher) => wrap('voucher_derive_stream', () => client.voucherDeriveStream(voucher)),
    voucherInduct: (voucher, payload, who) =>
      wrap('voucher_induct', async () => {
        const r = await client.voucherInduct(voucher, payload, who);
        return { displayName: r.displayName, mutatedReadCap: r.mutatedMessageReadCap, sealedReply: r.sealedReply, voucherWriteCap: r.voucherWriteCap };
      }),
    voucherOpen: (secretKey, sealed, writeCap) =>
      wrap('voucher_open', async () => {
        const r = await client.voucherOpen(secretKey, sealed, writeCap);
        return { whoReply: r.whoReply, mutatedWriteCap: r.mutatedMessageWriteCap };
      }),
  };
}

/** A connected thin client as a PigeonholePort, for `katzenbridge peer` (its PortFactory shape).
 *  Accepts the peer's address forms: unix:/path, tcp:HOST:PORT, HOST:PORT. */
export async function connectPigeonholePort(address: string): Promise<{ port: PigeonholePort; close(): Promise<void> }> {
  const client = new ThinClient({ address: address.startsWith('tcp:') && !address.startsWith('tcp://') ? address.slice(4) : address });
  await client.connect();
  return { port: pigeonholePortOf(client), close: () => client.close() };
}
