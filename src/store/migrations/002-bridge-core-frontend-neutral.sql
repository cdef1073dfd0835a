-- The bridge core's own tables, frontend-neutral (DESIGN.md §4): 001's bridge tables name frontends in their columns (matrix_room, irc_channel, matrix_txn_id), which the core may not; these replace them for src/bridge, and 001's stay untouched for now.
--
-- Conventions as in 001: times are Unix milliseconds; *_sealed columns hold SecretBox output whose
-- associated data names the row; IDs are text in the formats of src/ids. AUTOINCREMENT where an id
-- is shown to people or used as a transaction id, so it is never reused after a delete.

-- A portal: one group <-> at most one room per frontend.
CREATE TABLE bridge_portals (
  group_id    TEXT PRIMARY KEY,                      -- GroupId (= PortalId)
  name        TEXT NOT NULL,
  join_policy TEXT NOT NULL CHECK (join_policy IN ('auto', 'approval')),
  created_at  INTEGER NOT NULL
);

CREATE TABLE bridge_portal_rooms (
  frontend TEXT NOT NULL,                            -- FrontendId
  room_id  TEXT NOT NULL,                            -- FrontendRoomId
  group_id TEXT NOT NULL REFERENCES bridge_portals (group_id) ON DELETE CASCADE,
  PRIMARY KEY (frontend, room_id),
  UNIQUE (group_id, frontend)
);

-- A ghost: a member as shown on the frontends; shown_name is display_name disambiguated.
CREATE TABLE bridge_ghosts (
  group_id     TEXT NOT NULL REFERENCES bridge_portals (group_id) ON DELETE CASCADE,
  member_id    TEXT NOT NULL,                        -- MemberId
  ghost_id     TEXT NOT NULL UNIQUE,                 -- GhostId, deterministic
  display_name TEXT NOT NULL,                        -- sanitised
  shown_name   TEXT NOT NULL,
  PRIMARY KEY (group_id, member_id)
);

-- A puppet: a frontend user's own stream in a group, written by the bridge for them.
CREATE TABLE bridge_puppets (
  group_id         TEXT NOT NULL REFERENCES bridge_portals (group_id) ON DELETE CASCADE,
  frontend         TEXT NOT NULL,
  user_id          TEXT NOT NULL,                    -- FrontendUserId
  display_name     TEXT NOT NULL,                    -- as Katzenpost members see it (template)
  state            TEXT NOT NULL CHECK (state IN ('pending', 'active', 'denied')),
  member_id        TEXT,                             -- set once the stream exists
  write_cap_sealed BLOB,                             -- set once the stream exists
  created_at       INTEGER NOT NULL,
  PRIMARY KEY (group_id, frontend, user_id),
  UNIQUE (group_id, member_id)
);

-- A join request: from a voucher (engine_ref_sealed names the engine's request) or a frontend user.
CREATE TABLE bridge_join_requests (
  id                INTEGER PRIMARY KEY AUTOINCREMENT, -- JoinRequestId
  group_id          TEXT NOT NULL REFERENCES bridge_portals (group_id) ON DELETE CASCADE,
  source            TEXT NOT NULL CHECK (source IN ('voucher', 'frontend')),
  frontend          TEXT,                            -- source = 'frontend'
  requester         TEXT NOT NULL,                   -- FrontendUserId, or 'voucher:<n>'
  display_name      TEXT NOT NULL,
  engine_ref_sealed BLOB,                            -- source = 'voucher'
  state             TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'denied')),
  decided_by        TEXT,
  created_at        INTEGER NOT NULL,
  decided_at        INTEGER
);
CREATE UNIQUE INDEX bridge_join_requests_one_pending ON bridge_join_requests (group_id, source, requester) WHERE state = 'pending';

-- Outbox: frontend -> group, one ordered queue per portal (id order). (frontend, event_id) makes a
-- redelivered event a no-op.
CREATE TABLE bridge_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id        TEXT NOT NULL REFERENCES bridge_portals (group_id) ON DELETE CASCADE,
  frontend        TEXT NOT NULL,
  room_id         TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  user_id         TEXT NOT NULL,
  body            TEXT NOT NULL,                     -- JSON OutboundBody
  file            BLOB,
  state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'held', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,                              -- internal cause, never secrets
  counter         TEXT,                              -- BoxCounter once sent
  created_at      INTEGER NOT NULL,
  UNIQUE (frontend, event_id)
);
CREATE INDEX bridge_outbox_queue ON bridge_outbox (group_id, state, id);

-- Inbox: group -> frontends, one ordered queue per portal room (id order). dedup_key is
-- 'm:<member>:<counter>' for a message (the (stream, index) key) or 'n:<...>' for a notice.
CREATE TABLE bridge_inbox (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id   TEXT NOT NULL REFERENCES bridge_portals (group_id) ON DELETE CASCADE,
  dedup_key  TEXT NOT NULL,
  body       TEXT NOT NULL,                          -- JSON InboundBody
  file       BLOB,
  created_at INTEGER NOT NULL,
  UNIQUE (group_id, dedup_key)
);

-- One row per (inbox message, frontend): its own state, so one frontend's outage never blocks another.
CREATE TABLE bridge_deliveries (
  inbox_id        INTEGER NOT NULL REFERENCES bridge_inbox (id) ON DELETE CASCADE,
  frontend        TEXT NOT NULL,
  room_id         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  event_id        TEXT,                              -- FrontendEventId once shown
  PRIMARY KEY (inbox_id, frontend)
);
CREATE INDEX bridge_deliveries_queue ON bridge_deliveries (frontend, room_id, state, inbox_id);
