-- The first schema: portals, ghosts, puppets (caps sealed by the SecretBox), join requests, the delivery outbox/inbox with their dedup keys, and per-stream read cursors (DESIGN.md §3-4).
--
-- Conventions: times are Unix milliseconds (INTEGER); *_sealed columns hold SecretBox output whose
-- associated data names the row (e.g. 'puppet:<group_id>:<user_id>:write_cap'), so a sealed value
-- copied into another row does not open. IDs are stored as text in the formats of src/ids.

-- A portal: one Katzenpost group <-> one Matrix room and/or one IRC channel.
CREATE TABLE portals (
  group_id      TEXT PRIMARY KEY,                 -- GroupId
  name          TEXT NOT NULL,
  matrix_room   TEXT UNIQUE,                      -- !room:server; NULL when not on Matrix
  irc_network   TEXT,                             -- irc.networks key; NULL when not on IRC
  irc_channel   TEXT,
  join_policy   TEXT NOT NULL CHECK (join_policy IN ('auto', 'approval')),
  group_sealed  BLOB NOT NULL,                    -- group secrets (membership, read caps we hold)
  created_at    INTEGER NOT NULL,
  UNIQUE (irc_network, irc_channel),
  CHECK ((irc_network IS NULL) = (irc_channel IS NULL))
);

-- A ghost: a Katzenpost member shown on Matrix (@kp_...) or IRC.
CREATE TABLE ghosts (
  group_id       TEXT NOT NULL REFERENCES portals (group_id) ON DELETE CASCADE,
  member_id      TEXT NOT NULL,                   -- MemberId within the group
  display_name   TEXT NOT NULL,
  matrix_user    TEXT,                            -- @kp_...:domain once registered
  read_cap_sealed BLOB NOT NULL,                  -- their stream's read cap: reveals the chat
  PRIMARY KEY (group_id, member_id)
);

-- A puppet: a Matrix/IRC user's own stream in a group; the bridge writes it for them.
CREATE TABLE puppets (
  group_id         TEXT NOT NULL REFERENCES portals (group_id) ON DELETE CASCADE,
  user_id          TEXT NOT NULL,                 -- @alice:example.org or irc:libera/alice
  display_name     TEXT NOT NULL,
  write_cap_sealed BLOB NOT NULL,                 -- write cap + stateful writer position
  introduced_at    INTEGER,                       -- INTRODUCTION sent; NULL until then
  PRIMARY KEY (group_id, user_id)
);

-- A join request awaiting an admin's approve / deny / rename.
CREATE TABLE join_requests (
  id             INTEGER PRIMARY KEY,
  group_id       TEXT NOT NULL REFERENCES portals (group_id) ON DELETE CASCADE,
  source         TEXT NOT NULL CHECK (source IN ('voucher', 'matrix', 'irc')),
  requester      TEXT NOT NULL,                   -- user id, or the voucher's rendezvous id
  display_name   TEXT NOT NULL,
  voucher_sealed BLOB,                            -- the voucher (source = 'voucher' only)
  state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'denied', 'rename_requested')),
  decided_by     TEXT,
  created_at     INTEGER NOT NULL,
  decided_at     INTEGER
);
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests (group_id, requester) WHERE state = 'pending';

-- Outbox: Matrix/IRC -> Katzenpost, one ordered queue per portal (id order). dedup_key makes a
-- redelivered Matrix event or IRC line a no-op: 'matrix:<event id>' or 'irc:<network>:<msgid>'.
CREATE TABLE outbox (
  id          INTEGER PRIMARY KEY,
  group_id    TEXT NOT NULL REFERENCES portals (group_id) ON DELETE CASCADE,
  user_id     TEXT NOT NULL,                      -- the puppet that writes it
  dedup_key   TEXT NOT NULL UNIQUE,
  payload     BLOB NOT NULL,                      -- encoded group chat message
  state       TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,                               -- internal cause, never secrets
  created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_queue ON outbox (group_id, state, id);

-- Inbox: Katzenpost -> Matrix/IRC, one ordered queue per portal. A box is stored once per
-- (stream, index); matrix_txn_id is the stable transaction id so a resend never shows twice.
CREATE TABLE inbox (
  id            INTEGER PRIMARY KEY,
  group_id      TEXT NOT NULL REFERENCES portals (group_id) ON DELETE CASCADE,
  member_id     TEXT NOT NULL,
  box_index     BLOB NOT NULL,                    -- BACAP MessageBoxIndex the message came from
  payload       BLOB NOT NULL,
  matrix_txn_id TEXT NOT NULL UNIQUE,
  matrix_state  TEXT NOT NULL DEFAULT 'pending' CHECK (matrix_state IN ('pending', 'delivered', 'failed', 'none')),
  irc_state     TEXT NOT NULL DEFAULT 'pending' CHECK (irc_state IN ('pending', 'delivered', 'failed', 'none')),
  created_at    INTEGER NOT NULL,
  UNIQUE (group_id, member_id, box_index)
);
CREATE INDEX inbox_queue ON inbox (group_id, id);

-- Where the read scheduler continues each member stream after a restart.
CREATE TABLE stream_cursors (
  group_id       TEXT NOT NULL REFERENCES portals (group_id) ON DELETE CASCADE,
  member_id      TEXT NOT NULL,
  next_index     BLOB NOT NULL,                   -- next MessageBoxIndex to read
  last_active_at INTEGER,                         -- last message seen; recent => blocking reads
  PRIMARY KEY (group_id, member_id)
);
