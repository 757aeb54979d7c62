-- v2: the room list reads tags and the unread marker from its own row (no join per room), and
-- thread lists find a room's relations by room.

ALTER TABLE rooms ADD COLUMN tags TEXT NOT NULL DEFAULT '{}'; -- JSON: m.tag `tags`
ALTER TABLE rooms ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0; -- m.marked_unread `unread`

CREATE INDEX relations_room ON relations (room_id, rel_type);
