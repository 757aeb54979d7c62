import { MatrixError, badJson, forbidden, invalidParam } from '../errors';
import { Collection, type Persistence } from '../store';
import { isObject, type JsonObject } from '../validate';
import type { E2ee, Sigs } from './e2ee';
import {
  canonicalJson,
  isEd25519Key,
  mergeSignatures,
  sameSignedContent,
  verifySignature,
} from './signing';

export type Usage = 'master' | 'self_signing' | 'user_signing';
export const USAGES: Usage[] = ['master', 'self_signing', 'user_signing'];

/** A cross-signing key as uploaded, plus signatures added by /keys/signatures/upload. */
type CsRow = {
  user_id: string;
  usage: Usage;
  key: JsonObject;
  /** The unpadded-base64 public key (also the key's id after `ed25519:`). */
  public_key: string;
  /** Signer user id → key id → signature; other users' entries are shown only to them. */
  extra_sigs: Sigs;
  pos: number;
};

/** A per-key failure of /keys/signatures/upload. */
type Failure = { errcode: string; error: string };
const fail = (errcode: string, error: string): Failure => ({ errcode, error });

/** Cross-signing keys (master, self-signing, user-signing) and signatures between keys. */
export class CrossSigning {
  readonly #rows: Collection<CsRow>;

  constructor(
    persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    private readonly e2ee: E2ee,
  ) {
    this.#rows = new Collection('cross_signing', persist, loaded.get('cross_signing'));
  }

  get(userId: string, usage: Usage): CsRow | undefined {
    return this.#rows.get(`${userId}|${usage}`);
  }

  /** The key as `viewer` sees it: the owner's signatures and the viewer's own. */
  published(row: CsRow, viewer: string): JsonObject {
    const extra: Sigs = {};
    if (row.extra_sigs[row.user_id]) extra[row.user_id] = row.extra_sigs[row.user_id]!;
    if (viewer !== row.user_id && row.extra_sigs[viewer]) extra[viewer] = row.extra_sigs[viewer]!;
    const out: JsonObject = { ...row.key };
    const sigs = mergeSignatures(row.key.signatures, extra);
    if (Object.keys(sigs).length) out.signatures = sigs;
    return out;
  }

  /**
   * POST /keys/device_signing/upload. `authenticate` runs (and throws the UIA challenge) only
   * when the request replaces an existing master key with different keys. All checks happen
   * before anything is stored.
   */
  upload(
    userId: string,
    keys: Partial<Record<Usage, unknown>>,
    deviceIds: string[],
    authenticate: () => void,
  ): void {
    const given: [Usage, JsonObject, string][] = [];
    for (const usage of USAGES) {
      const k = keys[usage];
      if (k === undefined || k === null) continue;
      given.push([usage, k as JsonObject, checkKeyShape(k, userId, usage)]);
    }
    const master = given.find(([u]) => u === 'master');
    const masterPub = master ? master[2] : this.get(userId, 'master')?.public_key;
    for (const [usage, key] of given) {
      if (usage === 'master') continue;
      if (!masterPub) throw new MatrixError(400, 'M_MISSING_PARAM', 'No master key available');
      if (!verifySignature(key, userId, `ed25519:${masterPub}`, masterPub)) {
        throw new MatrixError(400, 'M_INVALID_SIGNATURE', `Invalid signature on ${usage} key`);
      }
    }
    for (const [, , pub] of given) {
      if (deviceIds.includes(pub)) throw forbidden('Key ID in use');
    }
    const changed = given.filter(([usage, key]) => {
      const old = this.get(userId, usage);
      return !old || canonicalJson(old.key) !== canonicalJson(key);
    });
    if (!changed.length) return;
    if (this.get(userId, 'master')) authenticate();
    const pos = this.e2ee.deviceListChanged(userId);
    for (const [usage, key, pub] of changed) {
      const old = this.get(userId, usage);
      this.#rows.set(`${userId}|${usage}`, {
        user_id: userId,
        usage,
        key,
        public_key: pub,
        extra_sigs: old?.public_key === pub ? old.extra_sigs : {},
        pos,
      });
    }
  }

  /**
   * POST /keys/signatures/upload: checks and stores each signed object; returns the failures
   * (user id → key id → error).
   */
  uploadSignatures(
    requester: string,
    body: Record<string, JsonObject>,
  ): Record<string, Record<string, Failure>> {
    const failures: Record<string, Record<string, Failure>> = {};
    const changedUsers = new Set<string>();
    for (const [userId, byKey] of Object.entries(body)) {
      for (const [keyId, signed] of Object.entries(byKey)) {
        const f =
          userId === requester
            ? this.#signOwn(userId, keyId, signed)
            : this.#signOther(requester, userId, keyId, signed);
        if (f) (failures[userId] ??= {})[keyId] = f;
        else changedUsers.add(userId);
      }
    }
    for (const u of changedUsers) {
      // Another user's signature on a master key is shown to its signer only.
      if (u === requester) this.e2ee.deviceListChanged(u);
      else this.e2ee.signedByOther(u, requester);
    }
    return failures;
  }

  /** A signature by one of the user's own keys: on the master key (by a device) or on a device. */
  #signOwn(userId: string, keyId: string, signed: unknown): Failure | undefined {
    if (!isObject(signed)) return fail('M_INVALID_PARAM', 'Signed object must be a JSON object');
    const mine = signaturesBy(signed, userId);
    if (!mine) return fail('M_INVALID_SIGNATURE', 'No signature by this user');
    const master = this.get(userId, 'master');
    if (master && keyId === master.public_key) {
      if (!sameSignedContent(signed, master.key))
        return fail('M_INVALID_PARAM', 'Key does not match');
      const known = mergeSignatures(master.key.signatures, master.extra_sigs)[userId] ?? {};
      const add: Record<string, string> = {};
      for (const [kid, sig] of Object.entries(mine)) {
        if (known[kid] === sig) continue;
        const pub = this.#ownSigningKey(userId, kid);
        if (!pub || !verifySignature(signed, userId, kid, pub)) {
          return fail('M_INVALID_SIGNATURE', `Invalid signature ${kid}`);
        }
        add[kid] = sig;
      }
      master.extra_sigs[userId] = { ...(master.extra_sigs[userId] ?? {}), ...add };
      this.#rows.set(`${userId}|master`, master);
      return undefined;
    }
    const device = this.e2ee.deviceKeys(userId, keyId);
    if (!device) return fail('M_NOT_FOUND', 'Unknown device or key');
    const ssk = this.get(userId, 'self_signing');
    if (!ssk) return fail('M_NOT_FOUND', 'No self-signing key');
    const kid = `ed25519:${ssk.public_key}`;
    if (typeof mine[kid] !== 'string') {
      return fail('M_INVALID_SIGNATURE', 'Devices must be signed by the self-signing key');
    }
    if (!sameSignedContent(signed, device.keys))
      return fail('M_INVALID_PARAM', 'Key does not match');
    if (!verifySignature(signed, userId, kid, ssk.public_key)) {
      return fail('M_INVALID_SIGNATURE', 'Invalid signature');
    }
    this.e2ee.addDeviceSignature(userId, keyId, kid, mine[kid]);
    return undefined;
  }

  /** A signature by the requester's user-signing key on another user's master key. */
  #signOther(
    requester: string,
    userId: string,
    keyId: string,
    signed: unknown,
  ): Failure | undefined {
    if (!isObject(signed)) return fail('M_INVALID_PARAM', 'Signed object must be a JSON object');
    const usk = this.get(requester, 'user_signing');
    if (!usk) return fail('M_NOT_FOUND', 'No user-signing key');
    const master = this.get(userId, 'master');
    if (!master) return fail('M_NOT_FOUND', 'The user has no master key');
    if (keyId !== master.public_key) {
      return fail('M_INVALID_PARAM', "Only another user's master key can be signed");
    }
    if (!sameSignedContent(signed, master.key))
      return fail('M_INVALID_PARAM', 'Key does not match');
    const kid = `ed25519:${usk.public_key}`;
    const sig = signaturesBy(signed, requester)?.[kid];
    if (typeof sig !== 'string' || !verifySignature(signed, requester, kid, usk.public_key)) {
      return fail('M_INVALID_SIGNATURE', 'Invalid signature');
    }
    master.extra_sigs[requester] = { ...(master.extra_sigs[requester] ?? {}), [kid]: sig };
    this.#rows.set(`${userId}|master`, master);
    return undefined;
  }

  /** The public key behind `ed25519:<id>` of the user: a device's key or the master key. */
  #ownSigningKey(userId: string, kid: string): string | undefined {
    if (!kid.startsWith('ed25519:')) return undefined;
    const id = kid.slice('ed25519:'.length);
    const master = this.get(userId, 'master');
    if (master?.public_key === id) return id;
    const dev = this.e2ee.deviceKeys(userId, id);
    const keys = dev?.keys.keys;
    const pub = isObject(keys) ? keys[kid] : undefined;
    return typeof pub === 'string' ? pub : undefined;
  }
}

/** `o.signatures[userId]` when it is a map of strings. */
function signaturesBy(o: JsonObject, userId: string): Record<string, string> | undefined {
  const s = o.signatures;
  if (!isObject(s) || !isObject(s[userId])) return undefined;
  const m = s[userId] as JsonObject;
  return Object.values(m).every((v) => typeof v === 'string')
    ? (m as Record<string, string>)
    : undefined;
}

/** Checks a CrossSigningKey object; returns its public key. */
function checkKeyShape(k: unknown, userId: string, usage: Usage): string {
  if (!isObject(k)) throw badJson(`The ${usage} key must be an object`);
  if (k.user_id !== userId) throw invalidParam(`The ${usage} key's user_id must be ${userId}`);
  const u = k.usage;
  if (!Array.isArray(u) || u.some((x) => typeof x !== 'string') || !u.includes(usage)) {
    throw invalidParam(`The ${usage} key's usage must include '${usage}'`);
  }
  const keys = k.keys;
  if (!isObject(keys) || Object.keys(keys).length !== 1) {
    throw invalidParam(`The ${usage} key must have exactly one public key`);
  }
  const [id, pub] = Object.entries(keys)[0]!;
  if (!id.startsWith('ed25519:') || !isEd25519Key(pub)) {
    throw invalidParam(`The ${usage} key must be an ed25519 public key`);
  }
  const sigs = k.signatures;
  if (sigs !== undefined) {
    const ok =
      isObject(sigs) &&
      Object.values(sigs).every(
        (m) => isObject(m) && Object.values(m).every((v) => typeof v === 'string'),
      );
    if (!ok) throw badJson(`The ${usage} key's signatures are malformed`);
  }
  return pub;
}
