-- v4: end-to-end encryption. An event that arrived encrypted is stored decrypted (type and
-- content as the sender wrote them) so history reads offline; `e2ee` keeps its ciphertext and
-- how it went (JSON: {info, ciphertext, sessionId}). One that could not be decrypted yet stays
-- `m.room.encrypted` and is listed in `undecrypted` by megolm session, to be retried when that
-- session's key arrives.

ALTER TABLE events ADD COLUMN e2ee TEXT;

CREATE TABLE undecrypted (
  event_id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  session_id TEXT NOT NULL
) STRICT;
CREATE INDEX undecrypted_session ON undecrypted (session_id);

-- Encrypted events cached before the client could decrypt: retried like any other.
INSERT OR IGNORE INTO undecrypted (event_id, room_id, session_id)
  SELECT event_id, room_id, json_extract(content, '$.session_id') FROM events
  WHERE type = 'm.room.encrypted' AND redacted_by IS NULL
    AND json_valid(content) AND typeof(json_extract(content, '$.session_id')) = 'text';

-- Every megolm message decrypted, by session and ciphertext: the same ciphertext under another
-- event id is a replay (a server re-sending an old message), refused.
CREATE TABLE megolm_messages (
  session_id TEXT NOT NULL,
  ciphertext_hash TEXT NOT NULL,         -- SHA-256 of the ciphertext, base64
  event_id TEXT NOT NULL,
  PRIMARY KEY (session_id, ciphertext_hash)
) STRICT, WITHOUT ROWID;

-- When this device's crypto machine first ran (ms): a key missing for a message older than
-- that is expected (it was sent before this session existed), and is said so.
ALTER TABLE session ADD COLUMN crypto_since INTEGER;
