import { describe, expect, it } from 'vitest';
import {
  ConnectionError,
  HomeserverError,
  ReplyTooLargeError,
  isAbortError,
  toIpcError,
} from './errors';
import {
  HomeserverClient,
  backoffDelay,
  parseRetryAfter,
  type FetchFn,
  type RetryInfo,
} from './http';

type Call = { url: string; init: RequestInit };
type Step = (call: Call) => Response | Promise<Response> | 'refuse' | 'hang';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

/** A fetch that plays `steps` in order (the last one repeats) and records every call. */
function fakeFetch(...steps: Step[]) {
  const calls: Call[] = [];
  const fn: FetchFn = (url, init) => {
    const call = { url, init };
    calls.push(call);
    const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal;
      const onAbort = () => reject(new DOMException('aborted', 'AbortError'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      Promise.resolve(step(call)).then((r) => {
        if (r === 'refuse')
          reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
        else if (r !== 'hang') resolve(r);
      }, reject);
    });
  };
  return { fn, calls };
}

function client(
  fetchFn: FetchFn,
  extra: Partial<ConstructorParameters<typeof HomeserverClient>[0]> = {},
) {
  const retries: RetryInfo[] = [];
  const c = new HomeserverClient({
    baseUrl: 'https://hs.example/',
    accessToken: 'secret-token',
    fetch: fetchFn,
    baseDelayMs: 10,
    random: () => 1,
    onRetry: (r) => retries.push(r),
    ...extra,
  });
  return { c, retries };
}

describe('HomeserverClient', () => {
  it('sends JSON with the token in the Authorization header only, and parses the reply', async () => {
    const f = fakeFetch(() => json(200, { ok: 1 }));
    const { c } = client(f.fn);
    const reply = await c.request<{ ok: number }>('PUT', '/_matrix/client/v3/x', {
      query: { a: 'b c', list: ['1', '2'], skip: undefined, flag: true },
      body: { hello: 'world' },
    });
    expect(reply).toEqual({ ok: 1 });
    const { url, init } = f.calls[0]!;
    expect(url).toBe('https://hs.example/_matrix/client/v3/x?a=b+c&list=1&list=2&flag=true');
    expect(url).not.toContain('secret-token');
    const headers = init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer secret-token');
    expect(headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(init.body as string)).toEqual({ hello: 'world' });
  });

  it('retries a GET after 5xx and connection errors with growing backoff, then succeeds', async () => {
    const f = fakeFetch(
      () => json(502, { errcode: 'M_UNKNOWN' }),
      () => 'refuse',
      () => new Response('<html>Bad gateway</html>', { status: 503 }),
      () => json(200, { done: true }),
    );
    const { c, retries } = client(f.fn);
    expect(await c.request('GET', '/p')).toEqual({ done: true });
    expect(f.calls).toHaveLength(4);
    expect(retries.map((r) => r.delayMs)).toEqual([10, 20, 40]);
    expect(retries[1]!.error).toBeInstanceOf(ConnectionError);
  });

  it('gives up after maxRetries with the last error', async () => {
    const f = fakeFetch(() => json(500, { errcode: 'M_UNKNOWN', error: 'boom' }));
    const { c } = client(f.fn, { maxRetries: 2 });
    const err = await c.request('GET', '/p').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HomeserverError);
    expect((err as HomeserverError).message).toBe('boom');
    expect(f.calls).toHaveLength(3);
  });

  it('does not retry 4xx, nor a POST after a 5xx unless asked', async () => {
    const f = fakeFetch(() => json(403, { errcode: 'M_FORBIDDEN', error: 'no' }));
    const { c } = client(f.fn);
    const err = (await c.request('GET', '/p').catch((e: unknown) => e)) as HomeserverError;
    expect([err.errcode, err.status, f.calls.length]).toEqual(['M_FORBIDDEN', 403, 1]);

    const g = fakeFetch(() => json(500, {}));
    await expect(client(g.fn).c.request('POST', '/p', { body: {} })).rejects.toThrow(
      HomeserverError,
    );
    expect(g.calls).toHaveLength(1);

    const h = fakeFetch(
      () => json(500, {}),
      () => json(200, {}),
    );
    await client(h.fn).c.request('POST', '/p', { body: {}, retry: 'always' });
    expect(h.calls).toHaveLength(2);

    const n = fakeFetch(() => json(500, {}));
    await expect(client(n.fn).c.request('GET', '/p', { retry: 'never' })).rejects.toThrow();
    expect(n.calls).toHaveLength(1);
  });

  it('honours retry_after_ms on 429, even for a POST, and the Retry-After header', async () => {
    const f = fakeFetch(
      () => json(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 120 }),
      () => json(200, { ok: true }),
    );
    const { c, retries } = client(f.fn);
    const started = Date.now();
    await c.request('POST', '/p', { body: {} });
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(retries.map((r) => r.delayMs)).toEqual([120]);

    const g = fakeFetch(
      () => json(429, { errcode: 'M_LIMIT_EXCEEDED' }, { 'Retry-After': '1' }),
      () => json(200, {}),
    );
    const second = client(g.fn);
    await second.c.request('GET', '/p');
    expect(second.retries[0]!.delayMs).toBe(1000);
  });

  it('throws a 429 asking for a longer wait than the cap, with retryAfterMs for the caller', async () => {
    const f = fakeFetch(() => json(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 90_000 }));
    const { c } = client(f.fn, { maxRetryAfterMs: 5_000 });
    const err = (await c.request('GET', '/p').catch((e: unknown) => e)) as HomeserverError;
    expect(err.retryAfterMs).toBe(90_000);
    expect(f.calls).toHaveLength(1);
    expect(toIpcError(err).code).toBe('M_LIMIT_EXCEEDED');
  });

  it('stops at once when aborted while waiting between retries', async () => {
    const f = fakeFetch(() => json(503, {}));
    const { c } = client(f.fn, { baseDelayMs: 5_000 });
    const ac = new AbortController();
    const started = Date.now();
    const p = c.request('GET', '/p', { signal: ac.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    const err = await p;
    expect(isAbortError(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(f.calls).toHaveLength(1);
    expect(toIpcError(err).code).toBe('aborted');
  });

  it('aborts a request in flight, and times out a silent server as a ConnectionError', async () => {
    const f = fakeFetch(() => 'hang');
    const { c } = client(f.fn);
    const ac = new AbortController();
    const p = c.request('GET', '/p', { signal: ac.signal }).catch((e: unknown) => e);
    ac.abort();
    expect(isAbortError(await p)).toBe(true);

    const err = (await c
      .request('GET', '/p', { timeoutMs: 30, retry: 'never' })
      .catch((e: unknown) => e)) as ConnectionError;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.isTimeout).toBe(true);
    expect(toIpcError(err)).toEqual({ code: 'timeout', message: err.message });
  });

  it('turns malformed or non-JSON replies into HomeserverErrors, never a crash', async () => {
    const f = fakeFetch(() => new Response('{"truncated": ', { status: 200 }));
    const { c } = client(f.fn);
    const err = (await c.request('GET', '/p').catch((e: unknown) => e)) as HomeserverError;
    expect(err).toBeInstanceOf(HomeserverError);
    expect(err.errcode).toBe('M_NOT_JSON');
    expect(f.calls).toHaveLength(1);

    const g = fakeFetch(() => new Response('Forbidden by proxy', { status: 403 }));
    const e2 = (await client(g.fn)
      .c.request('GET', '/p')
      .catch((e: unknown) => e)) as HomeserverError;
    expect([e2.errcode, e2.status]).toEqual(['M_UNKNOWN', 403]);
    expect(e2.message).toContain('not JSON');
  });

  it('refuses a reply larger than the limit without reading it all, as a typed error', async () => {
    const MiB = 1024 * 1024;
    let pulled = 0;
    /** A body of `total` bytes of JSON, streamed in 64 KiB pieces, without Content-Length. */
    const streamed = (total: number) => {
      const piece = new TextEncoder().encode(' '.repeat(64 * 1024));
      let left = total - 2;
      const body = new ReadableStream<Uint8Array>({
        start: (ctl) => ctl.enqueue(new TextEncoder().encode('{}')),
        pull: (ctl) => {
          if (left <= 0) return ctl.close();
          pulled += piece.byteLength;
          left -= piece.byteLength;
          ctl.enqueue(piece);
        },
      });
      return new Response(body, { status: 200 });
    };
    const f = fakeFetch(() => streamed(8 * MiB));
    const { c } = client(f.fn, { maxReplyBytes: MiB });
    const err = (await c.request('GET', '/p').catch((e: unknown) => e)) as HomeserverError;
    expect(err).toBeInstanceOf(ReplyTooLargeError);
    expect(err).toMatchObject({ errcode: 'M_TOO_LARGE', limitBytes: MiB });
    expect(err.message).toMatch(/larger than 1 MiB/);
    expect(pulled).toBeLessThan(2 * MiB);
    expect(f.calls).toHaveLength(1); // not retried: the same reply would come again

    // A declared Content-Length over the limit fails before reading; a request may raise it.
    const declared = fakeFetch(
      () => new Response('{}', { headers: { 'Content-Length': `${4 * MiB}` } }),
    );
    await expect(
      client(declared.fn, { maxReplyBytes: MiB }).c.request('GET', '/p'),
    ).rejects.toThrow(ReplyTooLargeError);
    const g = fakeFetch(() => streamed(3 * MiB));
    const raised = client(g.fn, { maxReplyBytes: MiB }).c;
    expect(await raised.request('GET', '/p', { maxReplyBytes: 4 * MiB })).toEqual({});
  });

  it('reports a dead token once, with soft_logout, and not for a token replaced meanwhile', async () => {
    const seen: HomeserverError[] = [];
    const f = fakeFetch(() =>
      json(401, { errcode: 'M_UNKNOWN_TOKEN', error: 'expired', soft_logout: true }),
    );
    const { c } = client(f.fn, { onUnknownToken: (e) => seen.push(e) });
    const err = (await c.request('GET', '/p').catch((e: unknown) => e)) as HomeserverError;
    expect(err.softLogout).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.softLogout).toBe(true);
    expect(f.calls).toHaveLength(1);

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const g = fakeFetch(async () => {
      await gate;
      return json(401, { errcode: 'M_UNKNOWN_TOKEN' });
    });
    const late: HomeserverError[] = [];
    const second = client(g.fn, { onUnknownToken: (e) => late.push(e) });
    const p = second.c.request('GET', '/p').catch(() => undefined);
    second.c.setAccessToken('new-token');
    release();
    await p;
    expect(late).toHaveLength(0);
  });

  it('refuses authenticated requests without a token, and every request once closed', async () => {
    const f = fakeFetch(() => json(200, {}));
    const { c } = client(f.fn, { accessToken: undefined });
    const err = (await c.request('GET', '/p').catch((e: unknown) => e)) as HomeserverError;
    expect(err.errcode).toBe('M_MISSING_TOKEN');
    await c.request('GET', '/p', { auth: false });
    expect((f.calls[0]!.init.headers as Record<string, string>).Authorization).toBeUndefined();

    const h = fakeFetch(() => 'hang');
    const closing = client(h.fn).c;
    const pending = closing.request('GET', '/p').catch((e: unknown) => e);
    closing.close();
    expect(isAbortError(await pending)).toBe(true);
    expect(isAbortError(await closing.request('GET', '/p').catch((e: unknown) => e))).toBe(true);
  });
});

describe('backoff helpers', () => {
  it('doubles with jitter between half and all of the step, capped', () => {
    expect(backoffDelay(0, { baseDelayMs: 100, random: () => 0 })).toBe(50);
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 1 })).toBe(800);
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 1 })).toBe(1_000);
  });

  it('reads retry_after_ms first, then Retry-After seconds or date', () => {
    expect(parseRetryAfter({ retry_after_ms: 1500 }, '9')).toBe(1500);
    expect(parseRetryAfter({}, '3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter({}, 'Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter({}, 'soon')).toBeUndefined();
    expect(parseRetryAfter({}, null)).toBeUndefined();
  });
});
