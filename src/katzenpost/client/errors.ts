// Failures that come from the client's own situation rather than from a daemon reply (those are
// protocol DaemonError / ProtocolError). Messages never carry caps, tokens or query ids.

export type ThinClientErrorCode =
  /** close() was called, or the client was closed while the call was pending. */
  | 'closed'
  /** The caller's AbortSignal fired; the request was cancelled in the daemon if it had been sent. */
  | 'aborted'
  /** The first connection attempt failed (later losses reconnect instead). */
  | 'connect_failed'
  /** The daemon did not complete the handshake in time. */
  | 'handshake_timeout'
  /** The daemon sent something other than the handshake sequence of §1.4. */
  | 'handshake_failed'
  /** A reply arrived for a query id under the wrong reply key. */
  | 'reply_mismatch'
  /** A call was made before connect() or after close(). */
  | 'not_connected'
  /** The same envelope hash (or copy write cap) is already being resent: the daemon would keep
   *  two ARQ entries and could cancel only the newer (thin-client §3.7). */
  | 'duplicate_in_flight';

export class ThinClientError extends Error {
  override readonly name = 'ThinClientError';
  constructor(
    readonly code: ThinClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
