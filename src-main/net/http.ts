/**
 * The homeserver HTTP client: JSON in and out, typed errors, retries with backoff, aborts.
 * The access token travels in the `Authorization` header only, never in a URL.
 *
 * @packageDocumentation
 */
import {
  ConnectionError,
  HomeserverError,
  ReplyTooLargeError,
  abortError,
  isUnknownToken,
  type ErrorBody,
} from './errors';

/** The subset of `fetch` the client uses; injectable for tests. */
export type FetchFn = (url: string, init: RequestInit) => Promise<Response>;

/**
 * When a failed request is sent again. `idempotent` (the default): connection errors and 5xx
 * are retried for GET, PUT and DELETE only; `always`: for every method (a POST the caller knows
 * is safe to repeat); `never`: not at all. A 429 is retried under `idempotent` and `always`
 * whatever the method, since the server did not process the request.
 */
export type RetryPolicy = 'idempotent' | 'never' | 'always';

/** Query parameters; arrays repeat the key, `undefined` values are left out. */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Options of one request. */
export type RequestOptions = {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Aborts the request at once, also while waiting between retries. */
  signal?: AbortSignal;
  /** Per attempt, including reading the reply. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Send the access token (default true); a request that needs one fails without it. */
  auth?: boolean;
  /** The largest reply accepted, in bytes (default: the client's `maxReplyBytes`). */
  maxReplyBytes?: number;
  /**
   * `bytes`: a successful reply is not JSON but content (media), resolved as {@link BytesReply};
   * an error reply is still read as a Matrix error. Default `json`.
   */
  replyType?: 'json' | 'bytes';
};

/** A successful reply read as bytes (`replyType: 'bytes'`). */
export type BytesReply = { bytes: Buffer; contentType: string | undefined };

/** Reported before each retry. */
export type RetryInfo = {
  method: string;
  path: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  error: HomeserverError | ConnectionError;
};

/** How the client is set up. */
export type ClientOptions = {
  /** e.g. `https://matrix.example.org` (a trailing slash is dropped). */
  baseUrl: string;
  accessToken?: string;
  fetch?: FetchFn;
  /**
   * The server rejected our current token with `M_UNKNOWN_TOKEN`; `err.softLogout` tells whether
   * the device survives. Not called for a token that was replaced in the meantime.
   */
  onUnknownToken?: (err: HomeserverError) => void;
  onRetry?: (info: RetryInfo) => void;
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** First backoff step (default 500 ms), doubling up to `maxDelayMs` (default 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A 429 asking to wait longer than this (default 60 s) is not retried but thrown. */
  maxRetryAfterMs?: number;
  /** Default per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** For deterministic jitter in tests. */
  random?: () => number;
  /**
   * The largest reply body accepted, in bytes (default {@link MAX_REPLY_BYTES}); a larger one
   * fails with {@link ReplyTooLargeError} instead of being buffered.
   */
  maxReplyBytes?: number;
};

/** The default largest reply body: far above any reply but `/sync` and `/members`. */
export const MAX_REPLY_BYTES = 32 * 1024 * 1024;

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']);
const MAX_MESSAGE = 500;

/** Exponential backoff with jitter: between half and all of `base * 2^attempt`, capped. */
export function backoffDelay(
  attempt: number,
  opts: { baseDelayMs?: number; maxDelayMs?: number; random?: () => number } = {},
): number {
  const base = opts.baseDelayMs ?? 500;
  const cap = Math.min(opts.maxDelayMs ?? 30_000, base * 2 ** attempt);
  return Math.round(cap / 2 + (opts.random ?? Math.random)() * (cap / 2));
}

/** The wait a 429 asks for: `retry_after_ms` in the body, else the `Retry-After` header. */
export function parseRetryAfter(
  body: ErrorBody,
  header: string | null,
  now = Date.now(),
): number | undefined {
  const ms = body.retry_after_ms;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

/** Waits `ms`, or rejects as soon as one of `signals` aborts. */
function sleep(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = signals.find((s) => s.aborted);
    if (aborted) return reject(abortError(aborted));
    const onAbort = (e: Event) => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      reject(abortError(e.target as AbortSignal));
    };
    const timer = setTimeout(() => {
      for (const s of signals) s.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Reads a reply body, stopping with {@link ReplyTooLargeError} as soon as it (or its declared
 * `Content-Length`) exceeds `max` bytes: never more than that is buffered, whatever
 * `Content-Length` claims.
 */
async function readBytes(res: Response, max: number, path: string): Promise<Buffer> {
  const tooLarge = () => new ReplyTooLargeError(res.status, path, max);
  const declared = Number(res.headers.get('content-length') ?? undefined);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Reads a reply body as UTF-8 text, within `max` bytes (see {@link readBytes}). */
async function readText(res: Response, max: number, path: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(res, max, path));
}

/** Turns a reply into its JSON, or throws the {@link HomeserverError} it stands for. */
function parseReply(res: Response, text: string, path: string): unknown {
  let json: unknown;
  let parsed = true;
  if (text.trim() === '') json = {};
  else {
    try {
      json = JSON.parse(text);
    } catch {
      parsed = false;
    }
  }
  if (res.ok) {
    if (!parsed) {
      throw new HomeserverError(
        res.status,
        'M_NOT_JSON',
        `The server's reply to ${path} is not JSON`,
      );
    }
    return json;
  }
  const body = parsed && isObject(json) ? json : {};
  const errcode = typeof body.errcode === 'string' ? body.errcode : 'M_UNKNOWN';
  const message =
    typeof body.error === 'string' && body.error !== ''
      ? clip(body.error)
      : `The server answered ${res.status}${parsed ? '' : ' (not JSON)'} to ${path}`;
  const limited = res.status === 429 || errcode === 'M_LIMIT_EXCEEDED';
  const retryAfterMs = limited ? parseRetryAfter(body, res.headers.get('retry-after')) : undefined;
  throw new HomeserverError(res.status, errcode, message, { retryAfterMs, body });
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}

/**
 * `url` without its trailing slashes. A loop, not `/\/+$/`: that regex is quadratic on a run of
 * slashes followed by anything else, and a server-supplied URL could block the core with one.
 */
export function trimTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}

/** One homeserver, optionally one account's access token. */
export class HomeserverClient {
  readonly baseUrl: string;
  #token: string | undefined;
  readonly #fetch: FetchFn;
  readonly #opts: ClientOptions;
  readonly #life = new AbortController();

  constructor(opts: ClientOptions) {
    this.baseUrl = trimTrailingSlashes(opts.baseUrl);
    this.#token = opts.accessToken;
    this.#fetch = opts.fetch ?? ((url, init) => fetch(url, init));
    this.#opts = opts;
  }

  /** Whether requests carry an access token. */
  get hasAccessToken(): boolean {
    return this.#token !== undefined;
  }

  /** Replaces (or, with `undefined`, drops) the access token for the following requests. */
  setAccessToken(token: string | undefined): void {
    this.#token = token;
  }

  /** Aborts every request in flight and refuses new ones (the account is going away). */
  close(): void {
    this.#life.abort(new DOMException('The client was closed', 'AbortError'));
  }

  /**
   * Sends `method path` and resolves with the parsed JSON reply. Rejects with
   * {@link HomeserverError}, {@link ConnectionError}, or an `AbortError` when aborted.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = this.#url(path, opts.query);
    const signals = [this.#life.signal, ...(opts.signal ? [opts.signal] : [])];
    for (let attempt = 0; ; attempt++) {
      const aborted = signals.find((s) => s.aborted);
      if (aborted) throw abortError(aborted);
      const token = opts.auth === false ? undefined : this.#token;
      if (opts.auth !== false && token === undefined) {
        throw new HomeserverError(401, 'M_MISSING_TOKEN', 'Not signed in to this homeserver');
      }
      try {
        return (await this.#attempt(method, url, path, token, opts, signals)) as T;
      } catch (err) {
        if (token !== undefined && isUnknownToken(err) && token === this.#token) {
          this.#opts.onUnknownToken?.(err);
        }
        const delayMs = this.#retryDelay(err, method, opts.retry ?? 'idempotent', attempt);
        if (delayMs === undefined) throw err;
        const error = err as HomeserverError | ConnectionError;
        this.#opts.onRetry?.({ method, path, attempt: attempt + 1, delayMs, error });
        await sleep(delayMs, signals);
      }
    }
  }

  #url(path: string, query: Query | undefined): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
      else params.append(k, String(v));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  async #attempt(
    method: string,
    url: string,
    path: string,
    token: string | undefined,
    opts: RequestOptions,
    signals: AbortSignal[],
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      Accept: opts.replyType === 'bytes' ? '*/*' : 'application/json',
    };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const timeoutMs = opts.timeoutMs ?? this.#opts.timeoutMs ?? 30_000;
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    try {
      const res = await this.#fetch(url, { method, headers, body, signal: ac.signal });
      const max = opts.maxReplyBytes ?? this.#opts.maxReplyBytes ?? MAX_REPLY_BYTES;
      if (opts.replyType === 'bytes' && res.ok) {
        const bytes = await readBytes(res, max, path);
        return { bytes, contentType: res.headers.get('content-type') ?? undefined } as BytesReply;
      }
      const text = await readText(res, max, path);
      return parseReply(res, text, path);
    } catch (err) {
      if (err instanceof HomeserverError) throw err;
      const aborted = signals.find((s) => s.aborted);
      if (aborted) throw abortError(aborted);
      if (timedOut) {
        throw new ConnectionError(`No answer from ${this.baseUrl} within ${timeoutMs} ms`, {
          isTimeout: true,
        });
      }
      throw new ConnectionError(`Cannot reach ${this.baseUrl} (${describe(err)})`, { cause: err });
    } finally {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
    }
  }

  /** How long to wait before retrying after `err`, or `undefined` to give up. */
  #retryDelay(err: unknown, method: string, policy: RetryPolicy, attempt: number) {
    if (policy === 'never' || attempt >= (this.#opts.maxRetries ?? 4)) return undefined;
    if (err instanceof ReplyTooLargeError) return undefined;
    const backoff = () => backoffDelay(attempt, this.#opts);
    if (
      err instanceof HomeserverError &&
      (err.status === 429 || err.errcode === 'M_LIMIT_EXCEEDED')
    ) {
      const wait = err.retryAfterMs;
      if (wait !== undefined && wait > (this.#opts.maxRetryAfterMs ?? 60_000)) return undefined;
      return wait ?? backoff();
    }
    const repeatable = policy === 'always' || IDEMPOTENT.has(method.toUpperCase());
    if (!repeatable) return undefined;
    if (err instanceof ConnectionError) return backoff();
    if (err instanceof HomeserverError && err.status >= 500 && ![501, 505].includes(err.status)) {
      return backoff();
    }
    return undefined;
  }
}
