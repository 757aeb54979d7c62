import { startHomeserver, type RunningHomeserver, type StartOptions } from '../server';

/** A reply from the test homeserver: status and parsed JSON body. */
export type ApiReply = { status: number; body: Record<string, any> };

/** A logged-in test user. */
export type TestUser = { userId: string; deviceId: string; token: string };

/** Starts a test-mode homeserver on a free port. */
export function startTestServer(opts: Partial<StartOptions> = {}): Promise<RunningHomeserver> {
  return startHomeserver({ testMode: true, serverName: 'test.local', ...opts, port: 0 });
}

/** Calls the homeserver with a JSON body (or raw string to send malformed bodies). */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  headers: Record<string, string> = {},
): Promise<ApiReply> {
  const h: Record<string, string> = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let data: string | undefined;
  if (body !== undefined) {
    h['Content-Type'] ??= 'application/json';
    data = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(base + path, { method, headers: h, body: data });
  const text = await res.text();
  let parsed: Record<string, any>;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}

/** Registers a user through the two-step `m.login.dummy` flow. */
export async function register(
  base: string,
  username: string,
  password = 'secret-pw',
): Promise<TestUser> {
  const first = await api(base, 'POST', '/_matrix/client/v3/register', { username, password });
  if (first.status !== 401)
    throw new Error(`register step 1: ${first.status} ${JSON.stringify(first.body)}`);
  const second = await api(base, 'POST', '/_matrix/client/v3/register', {
    username,
    password,
    auth: { type: 'm.login.dummy', session: first.body.session },
  });
  if (second.status !== 200)
    throw new Error(`register step 2: ${second.status} ${JSON.stringify(second.body)}`);
  return {
    userId: second.body.user_id,
    deviceId: second.body.device_id,
    token: second.body.access_token,
  };
}

/** A client bound to one user: `call('GET', '/_matrix/client/v3/...')`. */
export function as(base: string, user: TestUser) {
  return (method: string, path: string, body?: unknown) =>
    api(base, method, path, body, user.token);
}
