/**
 * What every endpoint wrapper of `MatrixApi` shares: `/_matrix/client/v3` paths with
 * URL-encoded segments, per-call overrides, and the size limits of replies.
 *
 * @packageDocumentation
 */
import type { CallOptions } from './api-types';
import type { HomeserverClient, RequestOptions } from './http';

/**
 * The largest `/sync` or `/members` reply accepted: an initial sync of thousands of rooms, or
 * the members of a room of a hundred thousand, stays well below it.
 */
export const MAX_BIG_REPLY_BYTES = 128 * 1024 * 1024;

/** The largest reply kept whole (capabilities, an account data entry), as JSON. */
export const MAX_KEPT_REPLY_BYTES = 1024 * 1024;

/** Builds a `/_matrix/client/v3` path, URL-encoding every interpolated segment. */
export function v3(strings: TemplateStringsArray, ...segments: string[]): string {
  let path = '/_matrix/client/v3';
  strings.forEach((s, i) => {
    path += s + (i < segments.length ? encodeURIComponent(segments[i]!) : '');
  });
  return path;
}

/** One request of an endpoint wrapper: the caller's {@link CallOptions} override the wrapper's. */
export function call<T>(
  client: HomeserverClient,
  method: string,
  path: string,
  req: RequestOptions,
  o: CallOptions = {},
): Promise<T> {
  return client.request<T>(method, path, {
    ...req,
    signal: o.signal ?? req.signal,
    retry: o.retry ?? req.retry,
    timeoutMs: o.timeoutMs ?? req.timeoutMs,
  });
}
