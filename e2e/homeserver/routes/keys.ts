import { badJson, invalidParam, missingParam } from '../errors';
import type { Homeserver } from '../hs';
import { deviceListChanges } from '../model/device-lists';
import type { ToDeviceTarget } from '../model/to-device';
import { parseToken } from '../model/format';
import type { Ctx, Route } from '../router';
import { isObject, objectBody, type JsonObject } from '../validate';
import { keyBackupRoutes } from './key-backup';

type C = Ctx<Homeserver>;

/** End-to-end encryption endpoints: keys, cross-signing, to-device messages, key backup. */
export function keyRoutes(): Route<Homeserver>[] {
  const r = (
    method: Route<Homeserver>['method'],
    path: string,
    handler: (ctx: C) => JsonObject,
  ): Route<Homeserver> => ({ method, path: `/client/v3${path}`, auth: 'required', handler });
  return [
    r('POST', '/keys/upload', uploadKeys),
    r('POST', '/keys/query', queryKeys),
    r('POST', '/keys/claim', claimKeys),
    r('GET', '/keys/changes', keyChanges),
    r('POST', '/keys/device_signing/upload', uploadCrossSigning),
    r('POST', '/keys/signatures/upload', uploadSignatures),
    r('PUT', '/sendToDevice/:eventType/:txnId', sendToDevice),
    ...keyBackupRoutes(),
  ];
}

/** A stream position from a sync token (`s123` or `123`); M_INVALID_PARAM when malformed. */
export function parseStreamToken(token: string, name = 'token'): number {
  const pos = parseToken(token);
  if (pos === undefined) throw invalidParam(`Malformed ${name}`);
  return pos;
}

function uploadKeys(ctx: C): JsonObject {
  const body = objectBody(ctx.body);
  const { userId, deviceId } = ctx.user;
  let deviceKeys: JsonObject | undefined;
  if (body.device_keys !== undefined && body.device_keys !== null) {
    deviceKeys = checkDeviceKeys(body.device_keys);
    if (deviceKeys.user_id !== userId || deviceKeys.device_id !== deviceId) {
      throw invalidParam('device_keys must be for the current user and device');
    }
  }
  const otks = keyMap(body, 'one_time_keys');
  let fallbacks = keyMap(body, 'fallback_keys');
  if (body.fallback_keys === undefined)
    fallbacks = keyMap(body, 'org.matrix.msc2732.fallback_keys');
  const counts = ctx.hs.persist.batch(() =>
    ctx.hs.e2ee.upload(userId, deviceId, deviceKeys, otks, fallbacks),
  );
  return { one_time_key_counts: counts };
}

function queryKeys(ctx: C): JsonObject {
  const body = objectBody(ctx.body);
  const wanted = body.device_keys;
  if (wanted === undefined) throw missingParam("'device_keys' is required");
  if (!isObject(wanted)) throw badJson("'device_keys' must be an object");
  for (const ids of Object.values(wanted)) {
    if (!Array.isArray(ids) || ids.some((d) => typeof d !== 'string')) {
      throw badJson("'device_keys' must map user ids to lists of device ids");
    }
  }
  const { e2ee, accounts } = ctx.hs;
  const cs = e2ee.crossSigning;
  const me = ctx.user.userId;
  const deviceKeys: Record<string, JsonObject> = {};
  const master: JsonObject = {};
  const selfSigning: JsonObject = {};
  const userSigning: JsonObject = {};
  for (const [userId, ids] of Object.entries(wanted) as [string, string[]][]) {
    const out: JsonObject = (deviceKeys[userId] = {});
    const rows = ids.length
      ? ids.flatMap((d) => e2ee.deviceKeys(userId, d) ?? [])
      : e2ee.deviceKeysOf(userId);
    for (const row of rows) {
      const device = accounts.device(userId, row.device_id);
      if (device) out[row.device_id] = e2ee.published(row, device.display_name);
    }
    const m = cs.get(userId, 'master');
    if (m) master[userId] = cs.published(m, me);
    const s = cs.get(userId, 'self_signing');
    if (s) selfSigning[userId] = cs.published(s, me);
    const u = userId === me ? cs.get(userId, 'user_signing') : undefined;
    if (u) userSigning[userId] = cs.published(u, me);
  }
  return {
    device_keys: deviceKeys,
    master_keys: master,
    self_signing_keys: selfSigning,
    user_signing_keys: userSigning,
    failures: {},
  };
}

function claimKeys(ctx: C): JsonObject {
  const body = objectBody(ctx.body);
  const wanted = body.one_time_keys;
  if (wanted === undefined) throw missingParam("'one_time_keys' is required");
  const bad = () => badJson("'one_time_keys' must map user ids to device ids to algorithms");
  if (!isObject(wanted)) throw bad();
  for (const byDevice of Object.values(wanted)) {
    if (!isObject(byDevice) || Object.values(byDevice).some((a) => typeof a !== 'string')) {
      throw bad();
    }
  }
  const claimed: Record<string, Record<string, JsonObject>> = {};
  ctx.hs.persist.batch(() => {
    for (const [userId, byDevice] of Object.entries(wanted)) {
      for (const [deviceId, algorithm] of Object.entries(byDevice as Record<string, string>)) {
        if (!ctx.hs.accounts.device(userId, deviceId)) continue;
        const key = ctx.hs.e2ee.claim(userId, deviceId, algorithm);
        if (key) (claimed[userId] ??= {})[deviceId] = key;
      }
    }
  });
  return { one_time_keys: claimed, failures: {} };
}

function keyChanges(ctx: C): JsonObject {
  const from = ctx.query.get('from');
  if (from === null) throw missingParam("The 'from' query parameter is required");
  const since = parseStreamToken(from, "'from'");
  const to = ctx.query.get('to');
  const current = ctx.hs.notifier.pos;
  const upTo = to ? Math.min(parseStreamToken(to, "'to'"), current) : current;
  return deviceListChanges(ctx.hs, ctx.user.userId, since, upTo);
}

function uploadCrossSigning(ctx: C): JsonObject {
  const body = objectBody(ctx.body);
  const { userId } = ctx.user;
  const deviceIds = ctx.hs.accounts.devicesOf(userId).map((d) => d.device_id);
  ctx.hs.persist.batch(() =>
    ctx.hs.e2ee.crossSigning.upload(
      userId,
      {
        master: body.master_key,
        self_signing: body.self_signing_key,
        user_signing: body.user_signing_key,
      },
      deviceIds,
      () => ctx.hs.accounts.interactiveAuth(body.auth, 'm.login.password', userId),
    ),
  );
  return {};
}

function uploadSignatures(ctx: C): JsonObject {
  const body = objectBody(ctx.body);
  for (const [userId, byKey] of Object.entries(body)) {
    if (!isObject(byKey)) throw badJson(`Signatures for ${userId} must be an object`);
  }
  const failures = ctx.hs.persist.batch(() =>
    ctx.hs.e2ee.crossSigning.uploadSignatures(ctx.user.userId, body as Record<string, JsonObject>),
  );
  return { failures };
}

function sendToDevice(ctx: C): JsonObject {
  const { userId, deviceId } = ctx.user;
  const { eventType, txnId } = ctx.params as { eventType: string; txnId: string };
  const txnKey = `${userId}|${deviceId}|${eventType}|${txnId}`;
  const { e2ee, accounts } = ctx.hs;
  if (e2ee.toDevice.seenTxn(txnKey)) return {};
  const body = objectBody(ctx.body);
  const messages = body.messages;
  if (messages === undefined) throw missingParam("'messages' is required");
  if (!isObject(messages)) throw badJson("'messages' must be an object");
  for (const byDevice of Object.values(messages)) {
    if (!isObject(byDevice) || Object.values(byDevice).some((c) => !isObject(c))) {
      throw badJson("'messages' must map user ids to device ids to content objects");
    }
  }
  const targets: ToDeviceTarget[] = [];
  for (const [target, byDevice] of Object.entries(messages as Record<string, JsonObject>)) {
    const devices = accounts.devicesOf(target).map((d) => d.device_id);
    for (const [id, content] of Object.entries(byDevice as Record<string, JsonObject>)) {
      if (id === '*') {
        for (const d of devices) {
          if (!(d in byDevice)) targets.push({ userId: target, deviceId: d, content });
        }
      } else if (devices.includes(id)) {
        targets.push({ userId: target, deviceId: id, content });
      }
    }
  }
  e2ee.toDevice.send(userId, eventType, targets, txnKey);
  return {};
}

/** Validates DeviceKeys. */
function checkDeviceKeys(v: unknown): JsonObject {
  if (!isObject(v)) throw badJson("'device_keys' must be an object");
  for (const k of ['user_id', 'device_id', 'algorithms', 'keys', 'signatures']) {
    if (v[k] === undefined || v[k] === null) throw missingParam(`'device_keys.${k}' is required`);
  }
  if (typeof v.user_id !== 'string' || typeof v.device_id !== 'string') {
    throw badJson("'device_keys.user_id' and 'device_keys.device_id' must be strings");
  }
  if (!Array.isArray(v.algorithms) || v.algorithms.some((a) => typeof a !== 'string')) {
    throw badJson("'device_keys.algorithms' must be an array of strings");
  }
  if (!isObject(v.keys) || Object.values(v.keys).some((k) => typeof k !== 'string')) {
    throw badJson("'device_keys.keys' must map key ids to strings");
  }
  if (!isSignatures(v.signatures)) throw badJson("'device_keys.signatures' is malformed");
  return v;
}

function isSignatures(v: unknown): boolean {
  return (
    isObject(v) &&
    Object.values(v).every(
      (m) => isObject(m) && Object.values(m).every((s) => typeof s === 'string'),
    )
  );
}

/** One-time or fallback keys: `{"<algorithm>:<key id>": string | KeyObject}`, as entries. */
function keyMap(body: JsonObject, field: string): [string, unknown][] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!isObject(v)) throw badJson(`'${field}' must be an object`);
  const out: [string, unknown][] = [];
  for (const [keyId, key] of Object.entries(v)) {
    const colon = keyId.indexOf(':');
    if (colon < 1 || colon === keyId.length - 1) {
      throw invalidParam(`Key id '${keyId}' must be <algorithm>:<key id>`);
    }
    const ok =
      typeof key === 'string' ||
      (isObject(key) &&
        typeof key.key === 'string' &&
        (key.signatures === undefined || isSignatures(key.signatures)));
    if (!ok) throw badJson(`'${field}.${keyId}' must be a key string or a signed key object`);
    out.push([keyId, key]);
  }
  return out;
}
