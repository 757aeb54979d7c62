import { MatrixError, forbidden, notFound } from '../errors';
import { Collection, type Persistence } from '../store';
import { randomLetters } from './ids';

/** What is known about one piece of local media. The bytes live in the blob store. */
export type MediaInfo = {
  media_id: string;
  /** The user who uploaded the content, or who reserved the id with `/create`. */
  uploader: string;
  created_ts: number;
  /** Set once the bytes are stored; absent while an async upload (`/create`) is pending. */
  uploaded_ts?: number;
  content_type?: string;
  /** The `filename` query parameter given at upload. */
  filename?: string;
  size?: number;
  /** For a pending upload: when the reserved id expires if nothing is uploaded. */
  unused_expires_at?: number;
};

/** How long an id from `POST /_matrix/media/v1/create` stays usable (the spec's recommended 24 h). */
export const UNUSED_MEDIA_TTL_MS = 24 * 60 * 60 * 1000;
/** The most pending (created, not yet uploaded, unexpired) ids one user may hold. */
export const MAX_PENDING_UPLOADS_PER_USER = 100;

/** The content repository: local media only (this server never fetches remote media). */
export class Media {
  readonly media: Collection<MediaInfo>;
  /** Downloads waiting for a pending upload to complete, by media id. */
  #waiters = new Map<string, Set<() => void>>();

  /** The server's clock. */
  readonly #now: () => number;

  constructor(
    readonly serverName: string,
    readonly persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    now: () => number,
  ) {
    this.#now = now;
    this.media = new Collection('media', persist, loaded.get('media'));
  }

  mxc(mediaId: string): string {
    return `mxc://${this.serverName}/${mediaId}`;
  }

  /** Stores an upload under a new media id. */
  upload(uploader: string, data: Buffer, contentType: string, filename?: string): MediaInfo {
    const now = this.#now();
    const info: MediaInfo = {
      media_id: this.#newId(),
      uploader,
      created_ts: now,
      uploaded_ts: now,
      content_type: contentType,
      size: data.length,
      ...(filename !== undefined ? { filename } : {}),
    };
    this.persist.batch(() => {
      this.persist.putBlob(info.media_id, data);
      this.media.set(info.media_id, info);
    });
    return info;
  }

  /** Reserves a media id for a later `PUT /upload/{serverName}/{mediaId}`. */
  create(uploader: string): MediaInfo {
    const now = this.#now();
    let pending = 0;
    for (const m of this.media.values()) {
      if (m.uploader !== uploader || m.uploaded_ts !== undefined) continue;
      if ((m.unused_expires_at ?? 0) > now) pending++;
      else this.media.delete(m.media_id); // expired: forget it
    }
    if (pending >= MAX_PENDING_UPLOADS_PER_USER) {
      throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many pending media uploads', {
        retry_after_ms: 60_000,
      });
    }
    const info: MediaInfo = {
      media_id: this.#newId(),
      uploader,
      created_ts: now,
      unused_expires_at: now + UNUSED_MEDIA_TTL_MS,
    };
    this.media.set(info.media_id, info);
    return info;
  }

  /** Fills an id reserved with `create`; the spec's 404 / 403 / 409 errors otherwise. */
  uploadTo(
    uploader: string,
    mediaId: string,
    data: Buffer,
    contentType: string,
    filename?: string,
  ): void {
    const info = this.media.get(mediaId);
    if (!info || this.#expired(info)) throw notFound('Unknown media ID');
    if (info.uploader !== uploader) {
      throw forbidden('This media ID was created by another user');
    }
    if (info.uploaded_ts !== undefined) {
      throw new MatrixError(409, 'M_CANNOT_OVERWRITE_MEDIA', 'Media already uploaded');
    }
    const done: MediaInfo = {
      media_id: info.media_id,
      uploader: info.uploader,
      created_ts: info.created_ts,
      uploaded_ts: this.#now(),
      content_type: contentType,
      size: data.length,
      ...(filename !== undefined ? { filename } : {}),
    };
    this.persist.batch(() => {
      this.persist.putBlob(mediaId, data);
      this.media.set(mediaId, done);
    });
    const waiters = this.#waiters.get(mediaId);
    this.#waiters.delete(mediaId);
    for (const wake of waiters ?? []) wake();
  }

  /** Local media by id; `undefined` when unknown or expired. `uploaded_ts` is unset while pending. */
  lookup(mediaId: string): MediaInfo | undefined {
    const info = this.media.get(mediaId);
    if (!info || this.#expired(info)) return undefined;
    return info;
  }

  /** The stored bytes of uploaded media. */
  bytes(mediaId: string): Buffer | undefined {
    return this.persist.getBlob(mediaId);
  }

  /**
   * Waits up to `ms` for a pending upload to complete (or `signal` to abort).
   * Resolves true when the content is there.
   */
  waitForUpload(mediaId: string, ms: number, signal: AbortSignal): Promise<boolean> {
    const uploaded = () => this.lookup(mediaId)?.uploaded_ts !== undefined;
    if (uploaded() || ms <= 0 || signal.aborted) return Promise.resolve(uploaded());
    return new Promise((resolve) => {
      let set = this.#waiters.get(mediaId);
      if (!set) this.#waiters.set(mediaId, (set = new Set()));
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        const s = this.#waiters.get(mediaId);
        s?.delete(finish);
        if (s?.size === 0) this.#waiters.delete(mediaId);
        resolve(uploaded());
      };
      const timer = setTimeout(finish, ms);
      signal.addEventListener('abort', finish);
      set.add(finish);
    });
  }

  #expired(info: MediaInfo): boolean {
    return (
      info.uploaded_ts === undefined &&
      info.unused_expires_at !== undefined &&
      info.unused_expires_at <= this.#now()
    );
  }

  /** A fresh id; the spec asks for ids made of `[A-Za-z0-9_-]`. */
  #newId(): string {
    let id: string;
    do id = randomLetters(24);
    while (this.media.has(id));
    return id;
  }
}
