// katzenbridge's config schema: every key, its type, default, description (with the reason for
// the default), whether it is required and its allowed values, written once. The `Config` type,
// the validator and config.sample.yaml (`npm run config:sample`) are derived from it.
import { bool, int, list, mapOf, oneOf, parsed, secret, section, str, type ValueOf } from './fields.js';
import {
  checkAdmin,
  checkAdminHostmask,
  checkChannelMapping,
  checkDisplayNameTemplate,
  checkHost,
  checkHttpUrl,
  checkLocalpart,
  checkNick,
  checkServerName,
  parseDaemonAddress,
  parseHostPort,
} from './values.js';

// Under systemd the state lives in StateDirectory=katzenbridge (systemd/katzenbridge.service).
const STATE_DIR = '/var/lib/katzenbridge';

const ircNetwork = section('One IRC network, keyed by a short name used in logs, admin commands and irc:NAME/NICK.', {
  host: str({ description: 'Server host name.', required: true, example: 'irc.libera.chat', check: checkHost }),
  port: int({ description: 'Server port; 6697 is the usual TLS port.', default: 6697, min: 1, max: 65535 }),
  tls: bool({ description: 'Connect with TLS. Plain text would expose bridged messages and passwords.', default: true }),
  sasl: bool({
    description: 'Log in with SASL PLAIN as `account` using `password`, before joining channels.',
    default: false,
  }),
  account: str({ description: 'SASL account name (requires sasl: true).', example: 'katzenbridge' }),
  password: secret({
    description: 'SASL password when sasl is true, otherwise the server password (PASS).',
    env: 'KATZENBRIDGE_IRC_{KEY}_PASSWORD',
    exampleFile: '/etc/katzenbridge/irc-password',
  }),
  nick: str({ description: "The bridge bot's nickname on this network.", default: 'katzenbridge', check: checkNick }),
  puppet_mode: oneOf({
    description:
      'How Katzenpost members appear: `relay` prefixes their lines from the bot (one connection, which ' +
      'networks rarely limit); `puppets` gives each member its own connection.',
    values: ['relay', 'puppets'],
    default: 'relay',
  }),
  max_connections: int({
    description: 'Most connections to this network in puppets mode, bot included; further members are relayed. Networks limit connections per host.',
    default: 10,
    min: 1,
    max: 1000,
  }),
  channels: list({
    description:
      'Channels bridged from the start, each "#CHANNEL=GROUP" (quote it: YAML reads # as a comment), GROUP ' +
      'a group id as `groups` lists it; admins link more with `link`. Applied at every start: a mapping whose ' +
      'channel or group is linked elsewhere is left alone, one whose group the bridge does not know yet is ' +
      'logged and skipped, and an `unlink` lasts until the next start unless the mapping goes too. ' +
      'Members appear as puppet_mode says and join by the portal\'s policy (bridge.join_policy, or as `policy` sets it).',
    example: ['#katzenpost=book-club'],
    checkItem: checkChannelMapping,
  }),
  admin_hostmasks: list({
    description:
      'Who counts as an admin named irc:NETWORK/NAME in bridge.admins when the network has no services ' +
      'accounts: "NAME=NICK!USER@HOST" (* and ? match). A nick alone proves nothing on IRC.',
    example: ['alice=alice!*@alice.users.example.org'],
    checkItem: checkAdminHostmask,
  }),
  fetch_links: bool({
    description:
      'Forward a line that is just an http(s) link as a file (fetched by the bridge, public addresses only, ' +
      'up to bridge.max_file_bytes). Off: it makes the bridge fetch addresses strangers choose.',
    default: false,
  }),
  confirm_delivery: bool({
    description: "Count a line as shown only after the server answered a PING sent after it, so a line lost in a disconnect is sent again.",
    default: true,
  }),
  flood: section('Outgoing flood control, so the network does not disconnect the bridge for flooding.', {
    burst_lines: int({ description: 'Lines a connection may send at once before being paced.', default: 4, min: 1, max: 100 }),
    interval_ms: int({ description: 'Then one line per this many milliseconds.', default: 1000, min: 50, max: 60_000 }),
  }),
});

export const SCHEMA = section('katzenbridge configuration', {
  homeserver: section('The Matrix homeserver the bridge serves as an application service.', {
    enabled: bool({ description: 'Bridge to Matrix at all; false runs an IRC-only bridge (url and domain must still be valid, but nothing contacts them).', default: true }),
    federate_rooms: bool({
      description: 'Let rooms the bridge creates federate to other homeservers. Off: a portal stays on this server unless you choose otherwise.',
      default: false,
    }),
    portal_join_rule: oneOf({
      description:
        'Join rule of rooms the bridge creates: `invite` (admins invite people in) or `knock` (anyone may ask; the ' +
        'request shows as a join request that admins approve, which invites them, or deny).',
      values: ['invite', 'knock'],
      default: 'invite',
    }),
    url: str({
      description: "Client-server API URL of the homeserver as the bridge reaches it.",
      required: true,
      example: 'http://127.0.0.1:8008',
      check: checkHttpUrl,
    }),
    domain: str({
      description: 'Server name, the part after the colon in user IDs (@alice:DOMAIN).',
      required: true,
      example: 'example.org',
      check: checkServerName,
    }),
    appservice: section('How the homeserver reaches the bridge (the application service API).', {
      port: int({ description: 'Port the bridge listens on for the homeserver.', default: 29340, min: 1, max: 65535 }),
      bind_address: str({
        description: 'Address to listen on; loopback because the homeserver usually runs on the same host.',
        default: '127.0.0.1',
        check: checkHost,
      }),
      registration: str({
        description:
          'Registration file written by `katzenbridge generate-registration` and loaded by the homeserver; ' +
          'its tokens are used unless as_token/hs_token are set below.',
        default: '/etc/katzenbridge/registration.yaml',
      }),
      user_prefix: str({
        description: 'Localpart prefix of ghost users (@kp_...) and portal aliases (#kp_...); the registration claims both exclusively.',
        default: 'kp_',
        check: checkLocalpart,
      }),
      bot_localpart: str({
        description: "Localpart of the bridge bot (the registration's sender_localpart).",
        default: 'katzenbridge',
        check: checkLocalpart,
      }),
      as_token: secret({
        description: 'Token the bridge presents to the homeserver.',
        env: 'KATZENBRIDGE_AS_TOKEN',
        exampleFile: '/etc/katzenbridge/as_token',
      }),
      hs_token: secret({
        description: 'Token the homeserver presents to the bridge.',
        env: 'KATZENBRIDGE_HS_TOKEN',
        exampleFile: '/etc/katzenbridge/hs_token',
      }),
    }),
  }),
  bridge: section('Portals, puppets and who may administer them.', {
    admins: list({
      description: 'Who may use admin commands: Matrix user IDs, or irc:NETWORK/NICK for a nick on a configured network.',
      example: ['@alice:example.org', 'irc:libera/alice'],
      checkItem: checkAdmin,
    }),
    join_policy: oneOf({
      description: "Default for new portals: `approval` puts each would-be member in the admins' pending list; `auto` admits everyone.",
      values: ['approval', 'auto'],
      default: 'approval',
    }),
    puppet_display_name: str({
      description: 'Display name Katzenpost members see for a Matrix/IRC user; {name} is their name, {network} matrix or the IRC network.',
      default: '{name} ({network})',
      check: checkDisplayNameTemplate,
    }),
    strip_image_metadata: bool({
      description:
        'Remove EXIF (GPS position, camera serial, time), XMP, IPTC and comments from JPEG, PNG and WebP images before ' +
        'they reach Katzenpost; an image that cannot be checked is not sent. Off only if your users want their metadata shared.',
      default: true,
    }),
    max_file_bytes: int({
      description: 'Largest file bridged; every 1 KiB-ish box is a mixnet round trip, so big files are slow and costly.',
      default: 1_048_576,
      min: 0,
      max: 104_857_600,
    }),
  }),
  katzenpost: section('The Katzenpost client daemon (kpclientd) the bridge talks to.', {
    daemon: parsed(
      {
        description:
          'embedded-emulator (an in-process stand-in for kpclientd and the mixnet, for trials), ' +
          'unix:/path/to/socket, or tcp:host:port of a running kpclientd.',
        default: 'embedded-emulator',
        example: 'unix:/run/kpclientd/thinclient.sock',
      },
      parseDaemonAddress,
    ),
    emulator_profile: oneOf({
      description: 'With embedded-emulator: `demo` behaves like a small real mixnet (seconds per round trip, one packet per second); `fast` answers at once (tests).',
      values: ['demo', 'fast'],
      default: 'demo',
    }),
    aead: oneOf({
      description: 'BACAP payload encryption: nonce12 is current upstream; nonce16 only for legacy networks.',
      values: ['nonce12', 'nonce16'],
      default: 'nonce12',
    }),
  }),
  irc: section('IRC networks to bridge to; none by default.', {
    networks: mapOf({
      description: 'IRC networks by name (letters, digits, - and _).',
      entry: ircNetwork,
      keyPattern: /^[A-Za-z0-9_-]{1,32}$/,
      exampleKey: 'libera',
    }),
  }),
  store: section('Where the bridge keeps its state.', {
    path: str({ description: 'SQLite database file, created if missing.', default: `${STATE_DIR}/katzenbridge.db` }),
  }),
  secrets: section('Encryption of secrets at rest (write caps) in the store.', {
    key_file: str({
      description: '32-byte key file, created with mode 0600 if missing and refused if group or others may access it.',
      default: `${STATE_DIR}/secrets.key`,
    }),
  }),
  logging: section('Logs go to standard error (the journal under systemd); caps and tokens are never logged.', {
    level: oneOf({ description: 'Least severe level logged.', values: ['error', 'warn', 'info', 'debug'], default: 'info' }),
    json: bool({ description: 'One JSON object per line, for log collectors; false gives readable lines.', default: false }),
  }),
  metrics: section('Prometheus metrics and health/readiness endpoints.', {
    enabled: bool({ description: 'Serve /metrics, /healthz and /readyz.', default: true }),
    listen: parsed(
      { description: 'host:port to serve them on; loopback keeps them off the network.', default: '127.0.0.1:29341' },
      parseHostPort,
    ),
  }),
  media: section('Files bridged to IRC are offered as links served by the bridge.', {
    listen: parsed(
      {
        description: 'host:port the bridge serves those files on, behind a reverse proxy that public_url points at; used only with public_url and IRC networks.',
        default: '127.0.0.1:29342',
      },
      parseHostPort,
    ),
    public_url: str({
      description: 'Public base URL of those links; without it IRC users see only the file name.',
      example: 'https://bridge.example.org/media',
      check: checkHttpUrl,
    }),
    link_ttl_seconds: int({ description: 'How long a link works; short, because anyone with it can fetch the file.', default: 86_400, min: 60, max: 31_536_000 }),
    link_key: secret({
      description:
        'Key that signs the links, at least 32 characters (e.g. `openssl rand -hex 32`). Unset, a key derived from ' +
        'secrets.key_file is used; set or change it to revoke every link given out so far.',
      env: 'KATZENBRIDGE_MEDIA_LINK_KEY',
      exampleFile: '/etc/katzenbridge/media-link-key',
    }),
    max_file_bytes: int({
      description:
        'Largest file offered as a link (each is kept on disk for link_ttl_seconds); a bigger one is named with its size only. ' +
        'Files over bridge.max_file_bytes never reach the bridge, so a higher value changes nothing.',
      default: 1_048_576,
      min: 0,
      max: 104_857_600,
    }),
  }),
});

/** The validated configuration: readonly, defaults applied, required values present. */
export type Config = ValueOf<typeof SCHEMA>;
export type IrcNetworkConfig = ValueOf<typeof ircNetwork>;
