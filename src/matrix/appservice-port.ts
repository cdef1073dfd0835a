/**
 * The parts of matrix-appservice-bridge the frontend uses, as structural types (STYLE.md §7.5:
 * inject interfaces, never patch modules). The library's Bridge and Intent satisfy them as they
 * are (appservice.ts passes the real ones); tests pass the hand-written fake in
 * test/support/fake-matrix.ts. Keep this list short: each member here is one more thing the fake
 * must get right.
 */

/** matrix-bot-sdk's MatrixClient, for what the Intent does differently from what we need:
 *  sending with our own transaction id (client-server API `PUT /rooms/{roomId}/send/{eventType}/
 *  {txnId}`), which makes a resend after a restart idempotent on the homeserver, and setting
 *  room state (`PUT /rooms/{roomId}/state/{eventType}/`) without the Intent's power-level dance. */
export interface MatrixClientPort {
  doRequest(method: string, endpoint: string, qs?: unknown, body?: unknown): Promise<unknown>;
  /** Fetches an mxc:// URI (authenticated media where the homeserver has it). */
  downloadContent(mxcUrl: string): Promise<{ data: Buffer; contentType: string }>;
}

export interface IntentPort {
  readonly userId: string;
  readonly matrixClient: MatrixClientPort;
  /** Registers the user in the appservice namespace if needed; idempotent. */
  ensureRegistered(): Promise<unknown>;
  setDisplayName(name: string): Promise<unknown>;
  /** Joins, with the bot inviting first where the room needs it (Intent._ensureJoined). */
  join(roomIdOrAlias: string): Promise<string>;
  invite(roomId: string, target: string): Promise<unknown>;
  /** With returnNull, a missing state event resolves to null instead of throwing M_NOT_FOUND. */
  getStateEvent(roomId: string, eventType: string, stateKey?: string, returnNull?: boolean): Promise<unknown>;
  /** Uploads to the media repository; resolves to the mxc:// URI. */
  uploadContent(content: Buffer, opts?: { name?: string; type?: string }): Promise<string>;
  createRoom(opts: { createAsClient?: boolean; options?: Record<string, unknown> }): Promise<{ room_id: string }>;
}

export interface BridgePort {
  /** No argument: the bot's intent. */
  getIntent(userId?: string): IntentPort;
}
