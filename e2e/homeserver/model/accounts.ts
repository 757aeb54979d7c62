import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { MatrixError, forbidden, notFound } from '../errors';
import { Collection, type Persistence } from '../store';
import { isObject, type JsonObject } from '../validate';
import { newToken, randomLetters } from './ids';

/** A registered user. */
export type User = {
  user_id: string;
  password_hash: string;
  displayname?: string;
  avatar_url?: string;
  presence: 'online' | 'offline' | 'unavailable';
  status_msg?: string;
  last_active_ts: number;
  /** Stream position of the last presence change. */
  presence_pos: number;
};

/** A logged-in device (session). */
export type Device = {
  user_id: string;
  device_id: string;
  display_name?: string;
  access_token: string;
  last_seen_ts: number;
  last_seen_ip?: string;
  soft_logged_out?: boolean;
};

type UiaSession = { completed: string[]; created: number; userId?: string };

const LOCALPART = /^[a-z0-9._=\-/+]+$/;

/** Users, their devices and tokens, filters and interactive-auth sessions. */
export class Accounts {
  readonly users: Collection<User>;
  readonly devices: Collection<Device>;
  readonly filters: Collection<JsonObject>;
  #byToken = new Map<string, Device>();
  #uia = new Map<string, UiaSession>();
  #nextFilter = new Map<string, number>();

  /** The server's clock. */
  readonly #now: () => number;

  constructor(
    readonly serverName: string,
    persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    now: () => number,
  ) {
    this.#now = now;
    this.users = new Collection('user', persist, loaded.get('user'));
    this.devices = new Collection('device', persist, loaded.get('device'));
    this.filters = new Collection('filter', persist, loaded.get('filter'));
    for (const d of this.devices.values()) this.#byToken.set(d.access_token, d);
    for (const key of this.filters.entries()) {
      const [user, id] = splitKey(key[0]);
      this.#nextFilter.set(user, Math.max(this.#nextFilter.get(user) ?? 0, Number(id) + 1));
    }
  }

  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  /** Checks a desired localpart; throws the spec's registration errors. */
  checkUsername(localpart: string): void {
    if (!LOCALPART.test(localpart) || localpart.length > 200) {
      throw new MatrixError(400, 'M_INVALID_USERNAME', 'Invalid username');
    }
    if (this.users.has(this.userId(localpart))) {
      throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken');
    }
  }

  createUser(localpart: string, password: string, pos: number): User {
    this.checkUsername(localpart);
    const user: User = {
      user_id: this.userId(localpart),
      password_hash: hashPassword(password),
      displayname: localpart,
      presence: 'offline',
      last_active_ts: this.#now(),
      presence_pos: pos,
    };
    this.users.set(user.user_id, user);
    return user;
  }

  /** The name and avatar a membership event of `userId` carries. */
  profile(userId: string): { displayname?: string; avatar_url?: string } {
    const u = this.users.get(userId);
    return { displayname: u?.displayname, avatar_url: u?.avatar_url };
  }

  checkPassword(userId: string, password: string): User {
    const user = this.users.get(userId);
    if (!user || !verifyPassword(password, user.password_hash)) {
      throw forbidden('Invalid username or password');
    }
    return user;
  }

  /** Creates a device (or re-uses `deviceId`, replacing its token). */
  login(userId: string, deviceId: string | undefined, displayName: string | undefined): Device {
    const id = deviceId ?? randomLetters(10).toUpperCase();
    const key = devKey(userId, id);
    const old = this.devices.get(key);
    if (old) this.#byToken.delete(old.access_token);
    const device: Device = {
      user_id: userId,
      device_id: id,
      display_name: displayName ?? old?.display_name,
      access_token: newToken('syt'),
      last_seen_ts: this.#now(),
    };
    this.devices.set(key, device);
    this.#byToken.set(device.access_token, device);
    return device;
  }

  byToken(token: string): Device | undefined {
    return this.#byToken.get(token);
  }

  device(userId: string, deviceId: string): Device | undefined {
    return this.devices.get(devKey(userId, deviceId));
  }

  devicesOf(userId: string): Device[] {
    return [...this.devices.values()].filter((d) => d.user_id === userId);
  }

  touch(d: Device, ip: string | undefined): void {
    const now = this.#now();
    if (now - d.last_seen_ts < 60_000 && d.last_seen_ip === ip) return;
    d.last_seen_ts = now;
    d.last_seen_ip = ip;
    this.devices.set(devKey(d.user_id, d.device_id), d);
  }

  renameDevice(userId: string, deviceId: string, name: string): void {
    const d = this.device(userId, deviceId);
    if (!d) throw notFound('Unknown device');
    d.display_name = name;
    this.devices.set(devKey(userId, deviceId), d);
  }

  deleteDevice(userId: string, deviceId: string): boolean {
    const d = this.device(userId, deviceId);
    if (!d) return false;
    this.#byToken.delete(d.access_token);
    this.devices.delete(devKey(userId, deviceId));
    return true;
  }

  softLogout(userId: string, deviceId: string): void {
    const d = this.device(userId, deviceId);
    if (!d) throw notFound('Unknown device');
    d.soft_logged_out = true;
    this.devices.set(devKey(userId, deviceId), d);
  }

  saveFilter(userId: string, filter: JsonObject): string {
    const id = this.#nextFilter.get(userId) ?? 0;
    this.#nextFilter.set(userId, id + 1);
    this.filters.set(`${userId}|${id}`, filter);
    return String(id);
  }

  filter(userId: string, filterId: string): JsonObject | undefined {
    return this.filters.get(`${userId}|${filterId}`);
  }

  /**
   * User-interactive auth with a single stage. Returns when `auth` completes the flow;
   * otherwise throws the 401 the spec describes (with a session to continue).
   */
  interactiveAuth(auth: unknown, stage: 'm.login.dummy' | 'm.login.password', userId?: string) {
    const flows = [{ stages: [stage] }];
    if (!isObject(auth)) {
      const session = randomLetters(24);
      this.#uia.set(session, { completed: [], created: this.#now(), userId });
      throw new UiaChallenge({ flows, params: {}, session });
    }
    const session = typeof auth.session === 'string' ? auth.session : undefined;
    if (!session || !this.#uia.has(session)) {
      const fresh = randomLetters(24);
      this.#uia.set(fresh, { completed: [], created: this.#now(), userId });
      throw new UiaChallenge({ flows, params: {}, session: fresh });
    }
    if (auth.type !== stage) {
      throw new UiaChallenge({
        flows,
        params: {},
        session,
        errcode: 'M_UNRECOGNIZED',
        error: 'Unknown auth type',
      });
    }
    if (stage === 'm.login.password') {
      const identifier = isObject(auth.identifier) ? auth.identifier : {};
      let who = typeof identifier.user === 'string' ? identifier.user : auth.user;
      if (typeof who === 'string' && !who.startsWith('@')) who = this.userId(who);
      const ok =
        typeof who === 'string' &&
        who === userId &&
        typeof auth.password === 'string' &&
        this.users.has(who) &&
        verifyPassword(auth.password, this.users.get(who)!.password_hash);
      if (!ok) {
        throw new UiaChallenge({
          flows,
          params: {},
          session,
          errcode: 'M_FORBIDDEN',
          error: 'Invalid password',
        });
      }
    }
    this.#uia.delete(session);
  }
}

/** A 401 interactive-auth response (body without the usual errcode wrapper). */
export class UiaChallenge extends MatrixError {
  constructor(body: JsonObject) {
    super(
      401,
      typeof body.errcode === 'string' ? body.errcode : '',
      String(body.error ?? 'Authentication required'),
      body,
    );
  }
  override body(): Record<string, unknown> {
    return this.extra;
  }
}

export function devKey(userId: string, deviceId: string): string {
  return `${userId}|${deviceId}`;
}

function splitKey(k: string): [string, string] {
  const i = k.lastIndexOf('|');
  return [k.slice(0, i), k.slice(i + 1)];
}

function hashPassword(pw: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(pw, salt, 32, { N: 1024 });
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function verifyPassword(pw: string, stored: string): boolean {
  const [, salt, hash] = stored.split('$');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = scryptSync(pw, Buffer.from(salt, 'base64'), expected.length, { N: 1024 });
  return timingSafeEqual(expected, got);
}
