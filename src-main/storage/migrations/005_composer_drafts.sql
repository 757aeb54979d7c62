-- v5: the composer's unsent text per room, kept across restarts. Local only: never sent to the
-- server.

CREATE TABLE drafts (
  room_id TEXT PRIMARY KEY,
  draft TEXT NOT NULL,                   -- JSON: {text, replyTo?, pills?} (model ComposerDraft)
  updated_ts INTEGER NOT NULL
) STRICT;
