/**
 * Downloading media from the content repository: through authenticated media
 * (`/_matrix/client/v1/media/…`, spec v1.11) when the server advertises it, else through the
 * deprecated unauthenticated `/_matrix/media/v3/…` endpoints (which get no access token).
 * `mxc://` URIs are parsed strictly before any of their parts goes into a URL.
 *
 * @packageDocumentation
 */
import type { CallOptions } from './api-types';
import { call } from './api-request';
import type { BytesReply, HomeserverClient, RequestOptions } from './http';
import { obj } from './json';
import type { ServerFeatures } from './versions';

/** The default largest media download: 100 MiB. */
export const MAX_MEDIA_BYTES = 100 * 1024 * 1024;

/** The parts of an `mxc://serverName/mediaId` URI. */
export type Mxc = { serverName: string; mediaId: string };

/** An `mxc://` URI that is not one (or tries to escape its path). */
export class MxcError extends Error {
  override name = 'MxcError';
  readonly code = 'invalid_mxc';
}

/** How a thumbnail is fitted into `width` × `height` (spec: `crop` or `scale`). */
export type ThumbnailMethod = 'crop' | 'scale';

/** A thumbnail request. */
export type ThumbnailSize = { width: number; height: number; method: ThumbnailMethod };

/** Downloaded content: the bytes and the server's `Content-Type`, if any. */
export type MediaContent = { bytes: Buffer; contentType: string | undefined };

/** Where media requests go: the client and what the server supports (a `MatrixApi` fits). */
export type MediaApiHost = { readonly client: HomeserverClient; readonly features: ServerFeatures };

const MEDIA_ID = /^[A-Za-z0-9_-]+$/;
// The spec's server name grammar (appendix "Server Name"): a DNS name (non-empty labels: no
// `.`, `..` or empty parts that a URL would resolve as a path), an IPv4 address, or an IPv6
// literal in brackets; then an optional port of up to 5 digits.
const DNS_NAME = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const PORT = /^[0-9]{1,5}$/;

/** Whether `name` follows the spec's server name grammar (strictly: no empty DNS labels). */
export function isServerName(name: string): boolean {
  let host = name;
  const colon = name.lastIndexOf(':');
  if (colon >= 0 && !name.endsWith(']')) {
    if (!PORT.test(name.slice(colon + 1))) return false;
    host = name.slice(0, colon);
  }
  if (host.length === 0 || host.length > 255) return false;
  return DNS_NAME.test(host) || IPV6.test(host);
}

/**
 * Parses `mxc://serverName/mediaId`, refusing anything else with {@link MxcError}: a missing
 * part, a server name outside the grammar, a media id outside `[A-Za-z0-9_-]+`, extra path
 * segments, `..`, percent-escapes, a query or a fragment.
 */
export function parseMxc(uri: string): Mxc {
  const bad = (why: string) => new MxcError(`Not a valid media address (${why})`);
  if (typeof uri !== 'string' || !uri.startsWith('mxc://')) throw bad('not mxc://');
  if (uri.length > 512) throw bad('too long');
  const rest = uri.slice('mxc://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw bad('no media id');
  const serverName = rest.slice(0, slash);
  const mediaId = rest.slice(slash + 1);
  if (!isServerName(serverName)) throw bad('bad server name');
  if (!MEDIA_ID.test(mediaId)) throw bad('bad media id');
  return { serverName, mediaId };
}

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer`);
  return n;
}

/** Download, thumbnail and config requests of the content repository. */
export class MediaApi {
  readonly #host: MediaApiHost;

  constructor(host: MediaApiHost) {
    this.#host = host;
  }

  /** Whether requests go through authenticated media (the server advertises v1.11+). */
  get authenticated(): boolean {
    return this.#host.features.authenticatedMedia;
  }

  /** The request path of `endpoint` for `mxc` (segments already validated and encoded). */
  #path(endpoint: 'download' | 'thumbnail', m: Mxc): string {
    const tail = `/${endpoint}/${encodeURIComponent(m.serverName)}/${encodeURIComponent(m.mediaId)}`;
    return this.authenticated ? `/_matrix/client/v1/media${tail}` : `/_matrix/media/v3${tail}`;
  }

  #get(path: string, query: RequestOptions['query'], maxBytes: number, o?: CallOptions) {
    const req: RequestOptions = {
      query,
      replyType: 'bytes',
      maxReplyBytes: maxBytes,
      // Legacy media is unauthenticated: the token is not sent to it at all.
      auth: this.authenticated,
    };
    return call<BytesReply>(this.#host.client, 'GET', path, req, o);
  }

  /**
   * The content of `mxc`, at most `maxBytes` long (a larger reply fails with
   * `ReplyTooLargeError`, also when its `Content-Length` understated it).
   */
  async download(mxc: string, maxBytes = MAX_MEDIA_BYTES, o?: CallOptions): Promise<MediaContent> {
    const m = parseMxc(mxc);
    return this.#get(this.#path('download', m), undefined, positive(maxBytes, 'maxBytes'), o);
  }

  /** A thumbnail of `mxc` (the server picks the nearest size it has), within `maxBytes`. */
  async thumbnail(
    mxc: string,
    size: ThumbnailSize,
    maxBytes = MAX_MEDIA_BYTES,
    o?: CallOptions,
  ): Promise<MediaContent> {
    const m = parseMxc(mxc);
    const query = {
      width: positive(size.width, 'width'),
      height: positive(size.height, 'height'),
      method: size.method,
    };
    return this.#get(this.#path('thumbnail', m), query, positive(maxBytes, 'maxBytes'), o);
  }

  /** The server's upload size limit (`m.upload.size`), when it tells. */
  async config(o?: CallOptions): Promise<{ uploadSize: number | undefined }> {
    const path = this.authenticated
      ? '/_matrix/client/v1/media/config'
      : '/_matrix/media/v3/config';
    // The legacy config endpoint, unlike legacy download, takes a token (spec: accessTokenBearer).
    const r = obj(await call(this.#host.client, 'GET', path, {}, o), 'media config');
    const size = r['m.upload.size'];
    return {
      uploadSize:
        Number.isSafeInteger(size) && (size as number) >= 0 ? (size as number) : undefined,
    };
  }
}
