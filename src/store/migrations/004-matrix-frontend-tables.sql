-- The Matrix frontend's own tables (finished appservice transactions, admin rooms, rooms seen encrypted, which Matrix user shows which ghost) become part of the versioned schema; until now src/matrix created them itself, so IF NOT EXISTS keeps databases that already have them as they are.

CREATE TABLE IF NOT EXISTS matrix_transactions (
  txn_id  TEXT PRIMARY KEY,                          -- the homeserver's id and a digest of its events
  done_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS matrix_admin_rooms (
  room_id    TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS matrix_encrypted_rooms (
  room_id TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS matrix_ghost_users (
  ghost_id TEXT PRIMARY KEY,
  user_id  TEXT NOT NULL UNIQUE
);
