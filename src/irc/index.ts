// Public surface of the IRC frontend (STYLE.md §2): the CLI composes it with the bridge core.
export { AdminMatcher, hostmaskMatches, fullMask, type AdminRule, type IrcUserMask } from './admins.js';
export { IrcConnection, DEFAULT_BACKOFF, type ConnectionState, type IrcConnectionOptions, type IrcEndpoint } from './connection.js';
export { FloodQueue, FloodClosedError, SYSTEM_CLOCK, type Clock } from './flood.js';
export { stripFormatting, plainForIrc, type FormattingMode } from './formatting.js';
export { IrcFrontend, ircFrontendId, humanSize, DEFAULT_MAX_LINES, type ConfiguredChannel, type IrcFrontendOptions, type IrcPortalDirectory, type IrcStatus } from './frontend.js';
export { IrcEventHandler, type IrcEventPorts } from './irc-events.js';
export { ircMetrics, trackConnection, type IrcMetrics } from './irc-metrics.js';
export { LineDedup, DEDUP_WINDOW_MS, type SeenLine } from './line-dedup.js';
export { fetchLink, loneLink, LinkFetchError, type FetchedFile, type FetchLinkOptions } from './link-fetch.js';
export { isPublicAddress } from './public-address.js';
export { MediaLinks, MIN_KEY_BYTES, type LinkCheck, type MediaLinkOptions } from './media-links.js';
export { mediaHandler, startMediaServer } from './media-server.js';
export { MediaStore, safeContentType, type StoredFile } from './media-store.js';
export { ircLower, sanitiseNick, NickAllocator, DEFAULT_NICK_LENGTH } from './nick.js';
export { PuppetPool, type PuppetPoolOptions } from './puppets.js';
export { renderLines, type RenderOptions } from './render.js';
export { splitMessage, limitLines, textBudgetBytes, IRC_LINE_BYTES } from './split.js';
export { textLine, commandLine, checkTarget, lineBytes, IrcLineError, type TextCommand } from './wire-line.js';
