// One thin-client connection (thin-client §1.2–1.7): frames in and out, the handshake, local
// requests answered in order, and the per-connection unsent queue whose overflow blocks the
// reader. A frame that will not decode closes this connection only; stored state is untouched.
import type { Socket } from 'node:net';
import type { DaemonContext, Reply } from './context.js';
import { cancelResending, sendLegacyMessage, startResendingCopy, startResendingEncrypted } from './arq.js';
import { optBytes } from './fields.js';
import * as local from './local-requests.js';
import type { Session, SessionRegistry } from './session.js';
import * as vouchers from './vouchers.js';
import { FrameDecoder, FrameError, decodeRequest, encodeFrame, framing } from './wire.js';

type Body = Record<string, unknown>;
type LocalHandler = (ctx: DaemonContext, body: Body) => Reply;

const LOCAL: Readonly<Record<string, LocalHandler>> = {
  new_keypair: local.newKeypair,
  encrypt_read: local.encryptRead,
  encrypt_write: local.encryptWrite,
  next_message_box_index: local.nextMessageBoxIndex,
  get_message_box_index_counter: local.messageBoxIndexCounter,
  get_pki_document: local.getPkiDocument,
  get_directory_authorities: local.getDirectoryAuthorities,
  create_courier_envelopes_from_payload: local.createFromPayload,
  create_courier_envelopes_from_multi_payload: local.createFromMultiPayload,
  create_courier_envelopes_from_tombstone_range: local.createFromTombstoneRange,
  voucher_mint: vouchers.mint,
  voucher_induct: vouchers.induct,
  voucher_open: vouchers.open,
  voucher_derive_stream: vouchers.deriveStream,
};
const MIXNET = new Set(['start_resending_encrypted_message', 'start_resending_copy_command', 'send_message']);

/** What a connection needs from the emulator besides the request handlers. */
export interface ConnectionHost {
  readonly ctx: DaemonContext;
  readonly sessions: SessionRegistry;
  handshakeFrames(): Uint8Array[];
  log(message: string): void;
  closed(conn: Connection): void;
}

export class Connection {
  private readonly decoder = new FrameDecoder();
  /** Whole frames not yet handled (the reader may be blocked on the unsent queue). */
  private readonly frames: Uint8Array[] = [];
  private session: Session;
  private unsent = 0;
  private pending: { type: string; body: Body } | undefined;
  private thinClosed = false;
  private isClosed = false;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.session = host.sessions.create();
    this.session.attach(this);
    socket.setNoDelay?.(true);
    // §1.4: the daemon speaks first, status then PKI document, before any request is read.
    for (const f of host.handshakeFrames()) this.sendFrame(f);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...framing(() => this.decoder.push(chunk)));
      } catch (e) {
        if (e instanceof FrameError) return this.abort(`${e.code}: ${e.message}`);
        throw e;
      }
      this.drain();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
  }

  sendFrame(frame: Uint8Array): void {
    if (!this.isClosed && !this.socket.destroyed) this.socket.write(frame);
  }

  /** Closes the socket, as the daemon does on a frame it cannot decode (§1.2). */
  abort(why: string): void {
    this.host.log(`closing connection: ${why}`);
    this.socket.destroy();
  }

  private drain(): void {
    try {
      while (!this.isClosed && this.pending === undefined) {
        const frame = this.frames.shift();
        if (!frame) return;
        const request = decodeRequest(frame);
        if ('unknown' in request) {
          // §1.7: an unknown or empty request is dropped (logged) and gets no reply.
          this.host.log(`dropping unknown request ${JSON.stringify(request.unknown.slice(0, 64))}`);
          continue;
        }
        this.handle(request.type, request.body);
      }
    } catch (e) {
      if (e instanceof FrameError) return this.abort(`${e.code}: ${e.message}`);
      throw e;
    }
  }

  private handle(type: string, body: Body): void {
    if (MIXNET.has(type)) {
      // §1.7: at most `unsentQueueLimit` mixnet requests wait unsent; then the reader blocks.
      if (this.unsent >= this.host.ctx.options.unsentQueueLimit) {
        this.pending = { type, body };
        this.socket.pause();
        return;
      }
      return this.startMixnet(type, body);
    }
    const handler = LOCAL[type];
    if (handler) return this.reply(handler(this.host.ctx, body));
    switch (type) {
      case 'session_token':
        return this.sessionToken(body);
      case 'thin_close':
        this.thinClosed = true;
        this.host.sessions.forget(this.session);
        this.socket.end();
        return;
      case 'cancel_resending_encrypted_message':
        return this.reply(cancelResending(this.session, body, 'envelope_hash'));
      case 'cancel_resending_copy_command':
        return this.reply(cancelResending(this.session, body, 'write_cap_hash'));
      default:
        // §1.7: an unknown request is dropped (logged) and gets no reply.
        this.host.log(`dropping unknown request ${JSON.stringify(type.slice(0, 64))}`);
    }
  }

  private startMixnet(type: string, body: Body): void {
    this.unsent++;
    let counted = true;
    const onSent = (): void => {
      if (!counted) return;
      counted = false;
      this.unsent--;
      this.unblock();
    };
    if (type === 'send_message') return sendLegacyMessage(this.host.ctx, this.session, body, onSent);
    const start = type === 'start_resending_copy_command' ? startResendingCopy : startResendingEncrypted;
    const immediate = start(this.host.ctx, this.session, body, onSent);
    if (immediate) {
      onSent();
      this.reply(immediate);
    }
  }

  private unblock(): void {
    if (!this.pending || this.unsent >= this.host.ctx.options.unsentQueueLimit || this.isClosed) return;
    const { type, body } = this.pending;
    this.pending = undefined;
    try {
      this.startMixnet(type, body);
    } catch (e) {
      if (e instanceof FrameError) return this.abort(`${e.code}: ${e.message}`);
      throw e;
    }
    this.socket.resume();
    setImmediate(() => this.drain());
  }

  private sessionToken(body: Body): void {
    const token = optBytes(body, 'client_instance_token', 16);
    if (!token) return this.reply(['session_token_reply', { app_id: this.session.appId, resumed: false }]);
    const { session, resumed } = this.host.sessions.claim(token, this.session);
    if (resumed) {
      // Move onto the old AppID; the reply goes out before any queued replies are flushed.
      this.session.destroy();
      this.session = session;
      this.sendFrame(encodeFrame('session_token_reply', { app_id: session.appId, resumed: true }));
      session.attach(this);
      return;
    }
    this.reply(['session_token_reply', { app_id: session.appId, resumed: false }]);
  }

  private reply([key, body]: Reply): void {
    this.sendFrame(encodeFrame(key, body));
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.session.detach(this);
    if (!this.thinClosed) this.host.sessions.dropped(this.session);
    this.host.closed(this);
  }
}

