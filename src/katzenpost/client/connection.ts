// One socket to the daemon: frames in and out, each incoming frame checked into a typed
// response. Any framing or shape error ends the connection with a ProtocolError (the stream
// cannot be trusted after it); the owner decides whether to reconnect.
import type { Socket } from 'node:net';
import { type DecodedResponse, FrameDecoder, decodeResponse } from '../protocol/index.js';

export interface ConnectionHandlers {
  onMessage(message: DecodedResponse): void;
  /** Called once. `error` is set when the connection ended because of bad input or a socket error. */
  onClose(error: Error | undefined): void;
}

export class Connection {
  private readonly decoder = new FrameDecoder();
  private closed = false;
  private failure: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: ConnectionHandlers,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.failure ??= err;
    });
    socket.on('end', () => {
      try {
        this.decoder.end();
      } catch (e) {
        this.failure ??= e as Error;
      }
    });
    socket.on('close', () => this.finish());
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  write(frame: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.socket.write(frame);
    return true;
  }

  /** Flushes what was written, then closes. */
  end(): void {
    if (this.isOpen) this.socket.end();
  }

  destroy(error?: Error): void {
    if (error) this.failure ??= error;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const payload of this.decoder.push(chunk)) {
        if (this.closed || this.failure) return;
        this.handlers.onMessage(decodeResponse(payload));
      }
    } catch (e) {
      // A ProtocolError from decoding, or a throw from a handler: either way this stream is
      // no longer in a known state, so end it (the owner reconnects) instead of crashing.
      this.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(this.failure);
  }
}
