/**
 * Typed errors of the homeserver HTTP layer, and their translation to data for the IPC
 * boundary. Nothing here ever carries an access token or a stack across that boundary.
 *
 * @packageDocumentation
 */

/** A JSON error body as the spec gives it: `errcode`, `error`, and extra fields. */
export type ErrorBody = Record<string, unknown>;

/** The homeserver answered, with an error status or a reply we cannot use. */
export class HomeserverError extends Error {
  override name = 'HomeserverError';
  /** The spec's `errcode`, e.g. `M_FORBIDDEN`; `M_UNKNOWN` when the reply had none. */
  readonly errcode: string;
  /** The HTTP status (a 2xx when the reply itself was unusable). */
  readonly status: number;
  /** How long the server asked us to wait (429 `retry_after_ms` or `Retry-After`). */
  readonly retryAfterMs?: number;
  /** `M_UNKNOWN_TOKEN` with `soft_logout: true`: sign in again with the same device. */
  readonly softLogout: boolean;
  /** The parsed error body (`{}` when the reply was not JSON). */
  readonly body: ErrorBody;

  constructor(
    status: number,
    errcode: string,
    message: string,
    opts: { retryAfterMs?: number; body?: ErrorBody } = {},
  ) {
    super(message);
    this.status = status;
    this.errcode = errcode;
    this.retryAfterMs = opts.retryAfterMs;
    this.body = opts.body ?? {};
    this.softLogout = errcode === 'M_UNKNOWN_TOKEN' && this.body.soft_logout === true;
  }
}

/**
 * The server's reply was larger than the client accepts for that request (`M_TOO_LARGE`, with
 * the reply's status): it was not read to the end. Not retried, as the same reply would come.
 */
export class ReplyTooLargeError extends HomeserverError {
  override name = 'ReplyTooLargeError';
  /** The limit the reply went over, in bytes. */
  readonly limitBytes: number;

  constructor(status: number, path: string, limitBytes: number) {
    const mib = Math.round((limitBytes / (1024 * 1024)) * 10) / 10;
    super(status, 'M_TOO_LARGE', `The server's reply to ${path} is larger than ${mib} MiB`);
    this.limitBytes = limitBytes;
  }
}

/** The homeserver could not be reached, or did not answer in time. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  /** The request timed out (as opposed to being refused or reset). */
  readonly isTimeout: boolean;

  constructor(message: string, opts: { isTimeout?: boolean; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.isTimeout = opts.isTimeout ?? false;
  }
}

/** Why finding a homeserver failed. */
export type DiscoveryErrorCode =
  | 'invalid_input'
  | 'unreachable'
  | 'not_matrix'
  | 'invalid_well_known'
  | 'unsupported_login'
  /** A plain `http://` homeserver that is not on this machine (given, or via `.well-known`). */
  | 'insecure_homeserver';

/** Finding the homeserver behind a user id, server name or URL failed. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
  readonly code: DiscoveryErrorCode;

  constructor(code: DiscoveryErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.code = code;
  }
}

/** The homeserver's advertised spec versions do not allow this request. */
export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
  /** The spec version the request needs, e.g. `v1.3`. */
  readonly needs: string;

  constructor(message: string, needs: string) {
    super(message);
    this.needs = needs;
  }
}

/** The error a request rejects with when its caller aborts it. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('The request was aborted', 'AbortError');
}

/** Whether `err` is an abort by the caller (not a timeout, which is a {@link ConnectionError}). */
export function isAbortError(err: unknown): boolean {
  return (err instanceof Error || err instanceof DOMException) && err.name === 'AbortError';
}

/** Whether the server told us this access token is dead (soft logout or not). */
export function isUnknownToken(err: unknown): err is HomeserverError {
  return err instanceof HomeserverError && err.errcode === 'M_UNKNOWN_TOKEN';
}

/**
 * Whether the same request may well succeed later: the server was unreachable or slow, failed
 * (5xx) or asked us to slow down (429).
 */
export function isTransientError(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  return err instanceof HomeserverError && (err.status >= 500 || err.status === 429);
}

/** Data for the IPC boundary: a machine-readable code and a message for people. */
export type IpcErrorData = { code: string; message: string };

/**
 * Turns any thrown value into `{ code, message }`: the homeserver's `errcode`
 * (`M_FORBIDDEN`, …), `connection`, `timeout`, `aborted`, a discovery code, `unsupported`
 * or `internal`. Never a stack.
 */
export function toIpcError(err: unknown): IpcErrorData {
  if (err instanceof HomeserverError) {
    return { code: err.errcode, message: err.message || `The server answered ${err.status}` };
  }
  if (err instanceof ConnectionError) {
    return { code: err.isTimeout ? 'timeout' : 'connection', message: err.message };
  }
  if (err instanceof DiscoveryError) return { code: err.code, message: err.message };
  if (err instanceof UnsupportedError) return { code: 'unsupported', message: err.message };
  if (isAbortError(err)) return { code: 'aborted', message: 'The request was cancelled' };
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
