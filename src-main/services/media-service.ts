/**
 * Media for the interface: served from the account's disk cache when there (also offline),
 * else downloaded once — concurrent requests for the same item share one download — and kept.
 *
 * @packageDocumentation
 */
import {
  MAX_MEDIA_BYTES,
  MediaApi,
  parseMxc,
  type MediaContent,
  type ThumbnailSize,
} from '../net/media-api';
import type { MediaCache } from '../storage/media-cache';

/** Which form of an item: the original, or a thumbnail `thumb:WxH:method`. */
export type MediaVariant = 'original' | `thumb:${number}x${number}:${'crop' | 'scale'}`;

/** A media variant's request error (not one of the forms above). */
export class MediaVariantError extends Error {
  override name = 'MediaVariantError';
  readonly code = 'invalid_variant';
}

/** The variant of a thumbnail of `size`. */
export function thumbVariant(size: ThumbnailSize): MediaVariant {
  return `thumb:${size.width}x${size.height}:${size.method}`;
}

/** The thumbnail size a variant asks for; `undefined` for the original. */
export function parseVariant(variant: string): ThumbnailSize | undefined {
  if (variant === 'original') return undefined;
  const m = /^thumb:([1-9][0-9]{0,4})x([1-9][0-9]{0,4}):(crop|scale)$/.exec(variant);
  if (!m) throw new MediaVariantError(`Not a media variant: ${variant.slice(0, 40)}`);
  return { width: Number(m[1]), height: Number(m[2]), method: m[3] as 'crop' | 'scale' };
}

/** How the service is set up. */
export type MediaServiceOptions = {
  /** The largest download accepted, in bytes (default 100 MiB). */
  maxDownloadBytes?: number;
  /** Told when a downloaded item could not be kept on disk (it is still returned). */
  log?: (message: string) => void;
};

/** Cached, deduplicated media downloads of one account. */
export class MediaService {
  readonly #api: MediaApi;
  readonly #cache: MediaCache;
  readonly #opts: MediaServiceOptions;
  readonly #inFlight = new Map<string, Promise<MediaContent>>();

  constructor(api: MediaApi, cache: MediaCache, opts: MediaServiceOptions = {}) {
    this.#api = api;
    this.#cache = cache;
    this.#opts = opts;
  }

  /**
   * The content of `mxc` in `variant`: from the cache, else downloaded (once for concurrent
   * callers) and cached. Rejects with `MxcError` / {@link MediaVariantError} for a bad request,
   * or the download's error (`HomeserverError`, `ConnectionError`, `ReplyTooLargeError`).
   */
  async get(mxc: string, variant: string = 'original'): Promise<MediaContent> {
    parseMxc(mxc);
    const size = parseVariant(variant);
    const key = `${mxc}\n${variant}`;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const p = this.#load(mxc, variant, size).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }

  /** Forgets every cached item. */
  clear(): Promise<void> {
    return this.#cache.clear();
  }

  async #load(mxc: string, variant: string, size: ThumbnailSize | undefined) {
    const cached = await this.#cache.get(mxc, variant);
    if (cached) return cached;
    const max = this.#opts.maxDownloadBytes ?? MAX_MEDIA_BYTES;
    const content = size
      ? await this.#api.thumbnail(mxc, size, max)
      : await this.#api.download(mxc, max);
    try {
      await this.#cache.put(mxc, variant, content);
    } catch (err) {
      this.#opts.log?.(`could not cache ${mxc} (${variant}): ${String(err)}`);
    }
    return content;
  }
}
