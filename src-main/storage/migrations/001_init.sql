-- v1: the first cache: session, rooms, state, members, events and timeline chunks, relations,
-- receipts, account data, the outgoing queue, and what sync delivers for the crypto layer.

-- The signed-in session of this account (one row).
CREATE TABLE session (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  homeserver TEXT NOT NULL,              -- base URL
  access_token TEXT,                     -- NULL once soft-logged-out
  soft_logged_out INTEGER NOT NULL DEFAULT 0,
  filter_id TEXT,                        -- the sync filter uploaded once
  sync_token TEXT,                       -- next_batch of the last committed sync response
  versions TEXT NOT NULL DEFAULT '[]',   -- JSON: /versions `versions`
  capabilities TEXT NOT NULL DEFAULT '{}', -- JSON: /capabilities `capabilities`
  display_name TEXT,
  avatar_url TEXT
) STRICT;

-- One row per room we know, with the summary the room list shows.
CREATE TABLE rooms (
  room_id TEXT PRIMARY KEY,
  membership TEXT NOT NULL,              -- join | invite | leave | knock | ban
  name TEXT NOT NULL DEFAULT '',         -- display name computed as the spec says
  avatar_url TEXT,
  topic TEXT,
  is_encrypted INTEGER NOT NULL DEFAULT 0,
  is_direct INTEGER NOT NULL DEFAULT 0,
  heroes TEXT NOT NULL DEFAULT '[]',     -- JSON: summary m.heroes
  joined_count INTEGER NOT NULL DEFAULT 0,
  invited_count INTEGER NOT NULL DEFAULT 0,
  notification_count INTEGER NOT NULL DEFAULT 0,
  highlight_count INTEGER NOT NULL DEFAULT 0,
  last_activity_ts INTEGER NOT NULL DEFAULT 0,
  last_message TEXT,                     -- JSON: {sender, body} preview
  inviter TEXT,
  invite_state TEXT,                     -- JSON: stripped state of an invite or knock
  members_loaded INTEGER NOT NULL DEFAULT 0 -- the full list came from /members
) STRICT;

-- Every event we hold, timeline or state. Redaction rewrites `content` in place.
CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  sender TEXT NOT NULL,
  state_key TEXT,                        -- NULL for non-state events
  ts INTEGER NOT NULL,                   -- origin_server_ts
  content TEXT NOT NULL,                 -- JSON
  unsigned TEXT,                         -- JSON
  redacted_by TEXT,                      -- the redaction's event id
  txn_id TEXT                            -- unsigned.transaction_id: one of ours
) STRICT;
CREATE INDEX events_room ON events (room_id);

-- Current room state: (type, state_key) → event.
CREATE TABLE room_state (
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  state_key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (room_id, type, state_key)
) STRICT, WITHOUT ROWID;

-- Members, derived from m.room.member state, for member lists and sender names.
CREATE TABLE members (
  room_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  membership TEXT NOT NULL,
  display_name TEXT,
  avatar_url TEXT,
  PRIMARY KEY (room_id, user_id)
) STRICT, WITHOUT ROWID;

-- Timeline chunks: runs of events known to be contiguous. A chunk with `prev_token` set and no
-- `prev_chunk` has a gap before it; with neither, it starts at the room's creation.
CREATE TABLE chunks (
  chunk_id INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL,
  prev_chunk INTEGER,                    -- the chunk right before this one (no gap between)
  next_chunk INTEGER,
  prev_token TEXT,                       -- /messages `from` to fetch what precedes this chunk
  next_token TEXT,                       -- /messages `from` to fetch what follows (jumped-to chunks)
  is_live INTEGER NOT NULL DEFAULT 0     -- the chunk /sync appends to
) STRICT;
CREATE INDEX chunks_room ON chunks (room_id);

-- Which event sits where in which chunk.
CREATE TABLE timeline (
  chunk_id INTEGER NOT NULL,
  ord INTEGER NOT NULL,                  -- order inside the chunk; back-pagination takes lower numbers
  room_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (chunk_id, ord)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX timeline_event ON timeline (room_id, event_id);

-- Relations index: replies, edits, reactions, references, threads.
CREATE TABLE relations (
  event_id TEXT PRIMARY KEY,             -- the relating event
  room_id TEXT NOT NULL,
  rel_type TEXT NOT NULL,                -- m.annotation | m.replace | m.reference | m.thread | m.in_reply_to
  target_id TEXT NOT NULL,
  key TEXT,                              -- the annotation key (reaction)
  sender TEXT NOT NULL,
  ts INTEGER NOT NULL
) STRICT;
CREATE INDEX relations_target ON relations (target_id, rel_type);

-- Read receipts, latest per user, type and thread ('' = unthreaded).
CREATE TABLE receipts (
  room_id TEXT NOT NULL,
  receipt_type TEXT NOT NULL,            -- m.read | m.read.private
  thread_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (room_id, receipt_type, thread_id, user_id)
) STRICT, WITHOUT ROWID;

-- Account data, global (room_id '') and per room.
CREATE TABLE account_data (
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL,                 -- JSON
  PRIMARY KEY (room_id, type)
) STRICT, WITHOUT ROWID;

-- The outgoing queue: persisted so nothing typed is lost; txn_id fixed when queued.
CREATE TABLE outgoing (
  local_id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  txn_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,                    -- message | edit | reaction | redaction
  event_type TEXT NOT NULL,              -- m.room.message, m.reaction, m.room.redaction
  content TEXT NOT NULL,                 -- JSON to send
  target_event_id TEXT,                  -- what an edit, reaction or redaction points at
  state TEXT NOT NULL,                   -- pending | sent | failed
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ts INTEGER NOT NULL,
  event_id TEXT                          -- set once the server accepted it
) STRICT;

-- Delivered by sync for the crypto layer (issue 5), kept until it consumes them.
CREATE TABLE to_device (
  id INTEGER PRIMARY KEY,
  sender TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL                  -- JSON
) STRICT;
CREATE TABLE device_list_changes (
  user_id TEXT PRIMARY KEY,
  change TEXT NOT NULL                   -- changed | left
) STRICT;
CREATE TABLE crypto_counts (
  key TEXT PRIMARY KEY,                  -- otk:<algorithm> | fallback_unused
  value TEXT NOT NULL                    -- JSON
) STRICT;
