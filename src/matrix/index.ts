// Public surface of the Matrix frontend (STYLE.md §2): the CLI composes it with the bridge core.
export { startMatrix, loadRegistration, MatrixSetupError, type MatrixAppservice, type MatrixSetupErrorCode, type StartMatrixOptions } from './appservice.js';
export type { BridgePort, IntentPort, MatrixClientPort } from './appservice-port.js';
export { DurableAppService, type TransactionLog } from './durable-appservice.js';
export { MatrixEventError, deliveryErrorOf, type MatrixEventErrorCode } from './errors.js';
export { MatrixEventHandler, NOTICES, type MatrixEventHandlerOptions, type PortalRooms } from './event-handler.js';
export { MATRIX_FRONTEND_ID, MatrixFrontend, ROOM_INFO_FORBIDDEN, type MatrixFrontendOptions } from './frontend.js';
export { htmlToText } from './html-to-text.js';
export { editContent, fileContent, messageContent, noticeContent, replyContent, safeFileName, safeMimeType } from './matrix-content.js';
export { botUserId, ghostLocalpart, ghostUserId, isBridgeUser, type MatrixNames } from './matrix-ids.js';
export { MatrixState } from './matrix-state.js';
export { parseEvent, stripReplyFallback, type MatrixInput } from './parse-event.js';
