import { MatrixError, invalidParam, missingParam, notFound } from '../errors';
import type { Homeserver } from '../hs';
import type { MediaInfo } from '../model/media';
import type { Ctx, RawReply, Route } from '../router';
import { queryInt } from '../validate';

type C = Ctx<Homeserver>;

/**
 * The `Content-Security-Policy` the spec recommends for served media ("Content repository"
 * introduction).
 */
const CSP =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';";

/** Types the spec's "Serving inline content" section allows as `Content-Disposition: inline`. */
const INLINE_TYPES = new Set([
  'text/css',
  'text/plain',
  'text/csv',
  'application/json',
  'application/ld+json',
  'image/jpeg',
  'image/gif',
  'image/png',
  'image/apng',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
  'audio/mp4',
  'audio/webm',
  'audio/aac',
  'audio/mpeg',
  'audio/ogg',
  'audio/wave',
  'audio/wav',
  'audio/x-wav',
  'audio/x-pn-wav',
  'audio/flac',
  'audio/x-flac',
]);

/** The `Content-Type`s the spec allows for a thumbnail response, with a file extension each. */
const THUMBNAIL_TYPES = new Map([
  ['image/jpeg', 'jpg'],
  ['image/png', 'png'],
  ['image/apng', 'apng'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
]);

/** `timeout_ms`: the spec's default, and the cap it asks servers to impose. */
const DEFAULT_TIMEOUT_MS = 20_000;
const MAX_TIMEOUT_MS = 60_000;

const LEGACY_VERSIONS = ['r0', 'v3'];

export function mediaRoutes(): Route<Homeserver>[] {
  const routes: Route<Homeserver>[] = [
    // --- Upload (not deprecated, always served) ---
    ...LEGACY_VERSIONS.map((v): Route<Homeserver> => ({
      method: 'POST',
      path: `/_matrix/media/${v}/upload`,
      auth: 'required',
      raw: true,
      handler: (ctx) => {
        const info = ctx.hs.media.upload(
          ctx.user.userId,
          ctx.body as Buffer,
          uploadContentType(ctx),
          uploadFilename(ctx),
        );
        return { content_uri: mxc(ctx, info.media_id) };
      },
    })),
    {
      method: 'POST',
      path: '/_matrix/media/v1/create',
      auth: 'required',
      handler: (ctx) => {
        const info = ctx.hs.media.create(ctx.user.userId);
        return { content_uri: mxc(ctx, info.media_id), unused_expires_at: info.unused_expires_at };
      },
    },
    {
      method: 'PUT',
      path: '/_matrix/media/v3/upload/:serverName/:mediaId',
      auth: 'required',
      raw: true,
      handler: (ctx) => {
        if (ctx.params.serverName !== ctx.hs.config.serverName) {
          throw notFound('Unknown media ID');
        }
        ctx.hs.media.uploadTo(
          ctx.user.userId,
          ctx.params.mediaId!,
          ctx.body as Buffer,
          uploadContentType(ctx),
          uploadFilename(ctx),
        );
        return {};
      },
    },

    // --- Authenticated media (v1.11+) ---
    {
      method: 'GET',
      path: '/_matrix/client/v1/media/config',
      auth: 'required',
      handler: (ctx) => config(ctx),
    },
    {
      method: 'GET',
      path: '/_matrix/client/v1/media/download/:serverName/:mediaId/:fileName?',
      auth: 'required',
      handler: (ctx) => download(ctx),
    },
    {
      method: 'GET',
      path: '/_matrix/client/v1/media/thumbnail/:serverName/:mediaId',
      auth: 'required',
      handler: (ctx) => thumbnail(ctx),
    },
  ];

  // --- Legacy unauthenticated media (deprecated in v1.11) ---
  // A server that has "frozen" unauthenticated media answers 404 M_NOT_FOUND for media
  // uploaded after the freeze. With `legacyMediaEnabled` off, this server behaves as if the
  // freeze predates all its media.
  for (const v of LEGACY_VERSIONS) {
    routes.push(
      {
        method: 'GET',
        path: `/_matrix/media/${v}/download/:serverName/:mediaId/:fileName?`,
        auth: 'none',
        handler: (ctx) => download(legacy(ctx)),
      },
      {
        method: 'GET',
        path: `/_matrix/media/${v}/thumbnail/:serverName/:mediaId`,
        auth: 'none',
        handler: (ctx) => thumbnail(legacy(ctx)),
      },
      {
        // The spec gives this deprecated endpoint `security: accessTokenBearer`, unlike the
        // legacy download and thumbnail endpoints.
        method: 'GET',
        path: `/_matrix/media/${v}/config`,
        auth: 'required',
        handler: (ctx) => config(legacy(ctx)),
      },
    );
  }
  return routes;
}

function legacy(ctx: C): C {
  if (!ctx.hs.config.legacyMediaEnabled) {
    throw notFound('Unauthenticated media access is disabled; use /_matrix/client/v1/media');
  }
  return ctx;
}

function mxc(ctx: C, mediaId: string): string {
  return `mxc://${ctx.hs.config.serverName}/${mediaId}`;
}

/** The upload's `Content-Type` header, `application/octet-stream` when absent (spec v1.12). */
function uploadContentType(ctx: C): string {
  const h = ctx.req.headers['content-type']?.trim();
  return h ? h : 'application/octet-stream';
}

function uploadFilename(ctx: C): string | undefined {
  const f = ctx.query.get('filename');
  return f ? f : undefined;
}

function config(ctx: C) {
  return { 'm.upload.size': ctx.hs.config.maxUploadBytes };
}

/** `image/PNG; charset=x` → `image/png`. */
function baseType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/**
 * Finds uploaded local media for a download or thumbnail request. An id reserved with
 * `/create` but not yet filled is waited for up to `timeout_ms` (default 20 s, capped at
 * 60 s), then answered with 504 M_NOT_YET_UPLOADED as the spec says.
 */
async function findUploaded(ctx: C): Promise<{ info: MediaInfo; data: Buffer }> {
  const { serverName, mediaId } = ctx.params as { serverName: string; mediaId: string };
  const timeoutMs = queryInt(ctx.query, 'timeout_ms', DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS);
  // This server does not federate: media of other servers is never available.
  if (serverName !== ctx.hs.config.serverName) throw notFound('Remote media is not available');
  const media = ctx.hs.media;
  let info = media.lookup(mediaId);
  if (!info) throw notFound('Unknown media ID');
  if (info.uploaded_ts === undefined) {
    const uploaded = await media.waitForUpload(mediaId, timeoutMs, ctx.signal);
    info = media.lookup(mediaId);
    if (!info) throw notFound('Unknown media ID');
    if (!uploaded) {
      throw new MatrixError(504, 'M_NOT_YET_UPLOADED', 'Content has not yet been uploaded');
    }
  }
  const data = media.bytes(mediaId);
  if (!data) throw notFound('Unknown media ID');
  return { info, data };
}

async function download(ctx: C): Promise<RawReply> {
  const { info, data } = await findUploaded(ctx);
  const contentType = info.content_type || 'application/octet-stream';
  // The `fileName` path segment overrides the uploaded name; without either, no filename.
  const filename = ctx.params.fileName || info.filename;
  const disposition = INLINE_TYPES.has(baseType(contentType)) ? 'inline' : 'attachment';
  return rawReply(data, contentType, disposition + filenameParam(filename));
}

/**
 * NOT a real thumbnailer: no image library is available here, so for the image types the
 * spec allows in a thumbnail response the ORIGINAL bytes are returned with the original
 * content type, whatever `width`, `height` and `method` ask for. This never upscales (which
 * the spec forbids), but the "thumbnail" may be much larger than requested, and an animated
 * GIF/APNG/WebP is returned animated even when `animated` is not `true` (the spec says the
 * server MUST NOT then return an animated thumbnail). Other content (including SVG and
 * non-images) answers 400 M_UNKNOWN, as the spec's 400 response ("the server cannot
 * thumbnail the content") and Synapse do.
 */
async function thumbnail(ctx: C): Promise<RawReply> {
  positiveInt(ctx.query, 'width');
  positiveInt(ctx.query, 'height');
  const method = ctx.query.get('method');
  if (method !== null && method !== 'crop' && method !== 'scale') {
    throw invalidParam("'method' must be 'crop' or 'scale'");
  }
  const animated = ctx.query.get('animated');
  if (animated !== null && animated !== 'true' && animated !== 'false') {
    throw invalidParam("'animated' must be 'true' or 'false'");
  }
  const { info, data } = await findUploaded(ctx);
  const type = baseType(info.content_type || 'application/octet-stream');
  const ext = THUMBNAIL_TYPES.get(type);
  if (!ext) {
    throw new MatrixError(400, 'M_UNKNOWN', 'Cannot generate thumbnails for the requested content');
  }
  // The spec: the thumbnail's Content-Disposition MUST be `inline`.
  return rawReply(data, type, `inline${filenameParam(`thumbnail.${ext}`)}`);
}

function positiveInt(q: URLSearchParams, key: string): number {
  const raw = q.get(key);
  if (raw === null || raw === '') throw missingParam(`'${key}' is required`);
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw invalidParam(`'${key}' must be a positive integer`);
  }
  return Number(raw);
}

function rawReply(data: Buffer, contentType: string, disposition: string): RawReply {
  return {
    raw: data,
    headers: {
      'Content-Type': contentType,
      'Content-Length': String(data.length),
      'Content-Disposition': disposition,
      'Content-Security-Policy': CSP,
      // The spec (v1.4+): lets web clients use media with cross-origin isolation.
      'Cross-Origin-Resource-Policy': 'cross-origin',
    },
  };
}

/**
 * The `; filename=...` part of a Content-Disposition (RFC 6266): a quoted string for
 * printable ASCII, else the RFC 8187 `filename*=utf-8''...` form (header values cannot carry
 * other characters).
 */
function filenameParam(name: string | undefined): string {
  if (!name) return '';
  if (/^[\x20-\x7e]*$/.test(name)) return `; filename="${name.replace(/["\\]/g, '\\$&')}"`;
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return `; filename*=utf-8''${encoded}`;
}
