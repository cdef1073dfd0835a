import { readFile } from 'node:fs/promises';
import { AppServiceRegistration, Bridge, Logger, type Request as BridgeRequest, type WeakEvent } from 'matrix-appservice-bridge';
import { parse } from 'yaml';
import { silentLogger, type BridgeCoreApi, type BridgeLogger, type Frontend } from '../bridge/index.js';
import type { Config } from '../config/index.js';
import type { Queryable } from '../store/index.js';
import type { BridgePort } from './appservice-port.js';
import { DurableAppService } from './durable-appservice.js';
import { MatrixEventHandler, type PortalRooms } from './event-handler.js';
import { MATRIX_FRONTEND_ID, MatrixFrontend } from './frontend.js';
import type { MatrixNames } from './matrix-ids.js';
import { MatrixState } from './matrix-state.js';

/**
 * Starts the Matrix frontend on matrix-appservice-bridge: reads the registration (tokens from it
 * unless config homeserver.appservice.as_token/hs_token override them), registers the frontend
 * with the core, and listens for the homeserver. Nothing here contacts the homeserver, so the
 * bridge starts while the homeserver is down and catches up when it is back.
 */

export type MatrixSetupErrorCode = 'registration_unreadable' | 'registration_invalid';

export class MatrixSetupError extends Error {
  override readonly name = 'MatrixSetupError';
  constructor(
    readonly code: MatrixSetupErrorCode,
    /** The config key to look at. */
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${message}`, options);
  }
}

type AppserviceConfig = Config['homeserver']['appservice'];

/** The registration with the config's token overrides applied; errors name the key and the fix
 *  and never print a token. */
export async function loadRegistration(as: AppserviceConfig): Promise<AppServiceRegistration> {
  const key = 'homeserver.appservice.registration';
  let text: string;
  try {
    text = await readFile(as.registration, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new MatrixSetupError('registration_unreadable', key, `cannot read ${as.registration} (${why}); write it with \`katzenbridge generate-registration\``, { cause: e });
  }
  let reg: AppServiceRegistration | null = null;
  try {
    reg = AppServiceRegistration.fromObject(parse(text) as never);
  } catch {
    reg = null;
  }
  if (!reg) throw new MatrixSetupError('registration_invalid', key, `${as.registration} is not an appservice registration; generate it again`);
  if (as.as_token) reg.setAppServiceToken(as.as_token.reveal());
  if (as.hs_token) reg.setHomeserverToken(as.hs_token.reveal());
  if (!reg.getAppServiceToken() || !reg.getHomeserverToken()) {
    throw new MatrixSetupError('registration_invalid', key, `${as.registration} lacks as_token or hs_token; generate it again or set homeserver.appservice.as_token/hs_token`);
  }
  if (reg.getSenderLocalpart() !== as.bot_localpart) {
    throw new MatrixSetupError(
      'registration_invalid',
      'homeserver.appservice.bot_localpart',
      `is ${as.bot_localpart} but the registration's sender_localpart is ${reg.getSenderLocalpart() ?? 'missing'}; make them the same`,
    );
  }
  return reg;
}

export interface StartMatrixOptions {
  readonly config: Pick<Config, 'homeserver' | 'bridge'>;
  readonly core: BridgeCoreApi & { registerFrontend(f: Frontend): Promise<void> };
  /** The core's database: the frontend keeps its own small tables there (matrix-state.ts). */
  readonly db: Queryable;
  /** The core's portal rooms (core.stores.portals.byRoom for the Matrix frontend). */
  readonly portals: PortalRooms;
  /** m.federate of portal rooms the bridge creates; false unless set. */
  readonly federate?: boolean;
  /** Join rule of portal rooms the bridge creates; invite unless set. */
  readonly joinRule?: 'invite' | 'knock';
  readonly log?: BridgeLogger;
  /** The library's own log lines (matrix-appservice-bridge and matrix-bot-sdk, to standard
   *  output): config logging.level and logging.json. 'warn' and readable lines by default. They
   *  name rooms and users; the libraries redact access tokens, and the homeserver sends its
   *  token in a header, which the HTTP log does not print. */
  readonly libraryLog?: { readonly level: 'debug' | 'info' | 'warn' | 'error' | 'off'; readonly json: boolean };
}

export interface MatrixAppservice {
  readonly frontend: MatrixFrontend;
  stop(): Promise<void>;
}

export async function startMatrix(o: StartMatrixOptions): Promise<MatrixAppservice> {
  const log = o.log ?? silentLogger;
  const hs = o.config.homeserver;
  Logger.configure({ console: o.libraryLog?.level ?? 'warn', json: o.libraryLog?.json ?? false });
  const registration = await loadRegistration(hs.appservice);
  const names: MatrixNames = { domain: hs.domain, userPrefix: hs.appservice.user_prefix, botLocalpart: hs.appservice.bot_localpart };
  const state = await MatrixState.open(o.db);
  let handler: MatrixEventHandler | undefined;
  const bridge = new Bridge({
    homeserverUrl: hs.url,
    domain: hs.domain,
    registration,
    // The core keeps all state in its own store; the library's NeDB stores would be a second one.
    disableStores: true,
    disableContext: true,
    controller: {
      onEvent(request: BridgeRequest<WeakEvent>): void {
        if (!handler) return void request.reject(new Error('matrix frontend not started'));
        handler.handle(request.getData()).then(
          () => request.resolve(undefined),
          (e: unknown) => request.reject(e),
        );
      },
    },
  });
  await bridge.initialise();
  const port: BridgePort = bridge;
  const frontend = new MatrixFrontend({ bridge: port, state, names, admins: o.config.bridge.admins ?? [], federate: o.federate === true, ...(o.joinRule ? { joinRule: o.joinRule } : {}), log });
  handler = new MatrixEventHandler({ frontend: MATRIX_FRONTEND_ID, core: o.core, bridge: port, state, names, portals: o.portals, maxFileBytes: o.config.bridge.max_file_bytes, log });
  await o.core.registerFrontend(frontend);
  await bridge.listen(hs.appservice.port, hs.appservice.bind_address, 10, new DurableAppService(registration.getHomeserverToken()!, state, log));
  log.log('info', 'matrix.listening', { port: hs.appservice.port });
  return { frontend, stop: () => bridge.close() };
}
