-- The group chat engine's state (src/groupchat GroupStateStore: own write caps, members' read caps and cursors, join requests, minted vouchers) moves out of a JSON file that held write caps in the clear into this database, each record sealed whole with the SecretBox (issue 8: secrets at rest).
--
-- Each table keeps only what a lookup needs in the clear: the local group id and an opaque
-- reference (a SHA-256 prefix) for the row within the group. Member keys and vouchers stay inside
-- the sealed record, whose associated data names the table and row, so a record copied to another
-- row does not open. `seq` keeps insertion order (the engine lists members in the order it learnt
-- them).

CREATE TABLE groupchat_groups (
  group_id      TEXT PRIMARY KEY,
  record_sealed BLOB NOT NULL
);

CREATE TABLE groupchat_members (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id      TEXT NOT NULL,
  member_ref    TEXT NOT NULL,                       -- SHA-256 prefix of the member key
  record_sealed BLOB NOT NULL,
  UNIQUE (group_id, member_ref)
);

CREATE TABLE groupchat_pending_joins (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id      TEXT NOT NULL,
  voucher_ref   TEXT NOT NULL,                       -- SHA-256 prefix of the voucher
  record_sealed BLOB NOT NULL,
  UNIQUE (group_id, voucher_ref)
);

CREATE TABLE groupchat_joiner_vouchers (
  group_id      TEXT PRIMARY KEY,
  record_sealed BLOB NOT NULL
);
