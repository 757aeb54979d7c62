/**
 * Small shared helpers for the homeserver's own test files (auth, rooms, events, sync,
 * robustness). Each file calls `serverPool()` once at top level; servers it starts are closed
 * after each test.
 */
import { afterEach } from 'vitest';
import type { RunningHomeserver } from '../server';
import { api, startTestServer, type ApiReply, type TestUser } from './helpers';

export type Json = Record<string, unknown>;

export const CS = '/_matrix/client/v3';

/** Returns a `start()` that starts a test server and closes it after the current test. */
export function serverPool(): (
  opts?: Parameters<typeof startTestServer>[0],
) => Promise<RunningHomeserver> {
  const servers: RunningHomeserver[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  return async (opts = {}) => {
    const s = await startTestServer(opts);
    servers.push(s);
    return s;
  };
}

/** Fails with the reply in the message unless the status is as expected. */
export function ok(reply: ApiReply, status = 200): ApiReply {
  if (reply.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return reply;
}

/** Creates a logged-in user through the control API (fast, no UIA). */
export async function seedUser(
  base: string,
  username: string,
  extra: { password?: string; displayname?: string } = {},
): Promise<TestUser> {
  const r = ok(await api(base, 'POST', '/_test/users', { username, ...extra }));
  return { userId: r.body.user_id, deviceId: r.body.device_id, token: r.body.access_token };
}

/** Creates a room through the control API; returns its id. */
export async function seedRoom(base: string, body: Json): Promise<string> {
  return ok(await api(base, 'POST', '/_test/rooms', body)).body.room_id as string;
}

/** Adds events to a room through the control API; returns their ids. */
export async function seedEvents(base: string, roomId: string, body: Json): Promise<string[]> {
  const path = `/_test/rooms/${encodeURIComponent(roomId)}/events`;
  return ok(await api(base, 'POST', path, body)).body.event_ids as string[];
}

/** `/_matrix/client/v3/rooms/{roomId}` + rest, with the id escaped. */
export function roomPath(roomId: string, rest = ''): string {
  return `${CS}/rooms/${encodeURIComponent(roomId)}${rest}`;
}

let txnCounter = 0;
/** A fresh transaction id. */
export function txn(): string {
  return `t${Date.now()}-${++txnCounter}`;
}

/** Sends an event as `user` (PUT /send) and returns its id. */
export async function send(
  base: string,
  user: TestUser,
  roomId: string,
  content: Json,
  type = 'm.room.message',
): Promise<string> {
  const path = roomPath(roomId, `/send/${encodeURIComponent(type)}/${txn()}`);
  return ok(await api(base, 'PUT', path, content, user.token)).body.event_id as string;
}

/** Sends an `m.text` message. */
export function sendText(base: string, user: TestUser, roomId: string, body: string) {
  return send(base, user, roomId, { msgtype: 'm.text', body });
}

/** `GET /sync` with the given query parameters (objects are JSON-encoded). */
export async function sync(
  base: string,
  user: TestUser,
  params: Record<string, string | number | boolean | Json> = {},
): Promise<ApiReply> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    q.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const qs = q.toString();
  return api(base, 'GET', `${CS}/sync${qs ? `?${qs}` : ''}`, undefined, user.token);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A reply body (parsed JSON). */
export type Body = ApiReply['body'];

/** Asserts an error reply: status and errcode (and an `error` string, as error.yaml has). */
export function expectError(reply: ApiReply, status: number, errcode: string): void {
  const got = { status: reply.status, errcode: reply.body.errcode };
  if (got.status !== status || got.errcode !== errcode) {
    throw new Error(
      `expected ${status} ${errcode}, got ${reply.status}: ${JSON.stringify(reply.body)}`,
    );
  }
}

/** A client bound to one user; `get/put/post/del` assert HTTP 200 and return the body. */
export function client(base: string, user: TestUser) {
  const call = (method: string, path: string, body?: unknown) =>
    api(base, method, path, body, user.token);
  return {
    user,
    call,
    get: async (path: string): Promise<Body> => ok(await call('GET', path)).body,
    put: async (path: string, body: unknown = {}): Promise<Body> =>
      ok(await call('PUT', path, body)).body,
    post: async (path: string, body: unknown = {}): Promise<Body> =>
      ok(await call('POST', path, body)).body,
    del: async (path: string): Promise<Body> => ok(await call('DELETE', path)).body,
  };
}
