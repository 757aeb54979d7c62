-- v6: downloaded media (originals and thumbnails) kept on disk under the account folder so they
-- show offline and are fetched once; this indexes the files for lookups and LRU eviction.

CREATE TABLE media_cache (
  mxc TEXT NOT NULL,                     -- mxc://server/mediaId, as validated before download
  variant TEXT NOT NULL,                 -- 'original' or 'thumb:WxH:method'
  file TEXT NOT NULL,                    -- file name in the media folder: a SHA-256 hex, never server input
  size INTEGER NOT NULL,                 -- bytes on disk
  content_type TEXT,                     -- the server's Content-Type, if any
  last_used INTEGER NOT NULL,            -- ms timestamp of the last read or write (LRU)
  PRIMARY KEY (mxc, variant)
) STRICT;

CREATE INDEX media_cache_lru ON media_cache (last_used);
