/**
 * Key material for the homeserver's end-to-end encryption tests: ed25519 signers and signed
 * device, one-time and cross-signing keys, made with `node:crypto` (independent of the server's
 * own signature checks).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { TestUser } from './helpers';

/** An ed25519 key pair: the public key in unpadded base64, the private key to sign with. */
export type Signer = { pub: string; priv: KeyObject };

/** Signatures: user id → key id → signature. */
export type Signatures = Record<string, Record<string, string>>;

export function ed25519(): Signer {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  return {
    pub: Buffer.from(x, 'base64url').toString('base64').replace(/=+$/, ''),
    priv: privateKey,
  };
}

/** Canonical JSON (keys sorted; ASCII keys only here, which sort the same by code unit). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Adds `userId`'s signature by `keyId` to (a copy of) `obj`. */
export function signed<T extends Record<string, any>>(
  obj: T,
  userId: string,
  keyId: string,
  s: Signer,
): T & { signatures: Signatures } {
  const rest: Record<string, any> = { ...obj };
  delete rest.signatures;
  delete rest.unsigned;
  const sig = sign(null, Buffer.from(canonical(rest)), s.priv)
    .toString('base64')
    .replace(/=+$/, '');
  const sigs: Signatures = { ...(obj.signatures ?? {}) };
  sigs[userId] = { ...(sigs[userId] ?? {}), [keyId]: sig };
  return { ...obj, signatures: sigs };
}

/** Self-signed device keys for the user's device, and the device's ed25519 signer. */
export function deviceKeys(u: TestUser) {
  const s = ed25519();
  const keys = signed(
    {
      user_id: u.userId,
      device_id: u.deviceId,
      algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
      keys: { [`curve25519:${u.deviceId}`]: ed25519().pub, [`ed25519:${u.deviceId}`]: s.pub },
    },
    u.userId,
    `ed25519:${u.deviceId}`,
    s,
  );
  return { keys, signer: s };
}

/** A cross-signing key of `usage` for `s`, signed by `by` (the master key) when given. */
export function csKey(userId: string, usage: string, s: Signer, by?: Signer) {
  const key = { user_id: userId, usage: [usage], keys: { [`ed25519:${s.pub}`]: s.pub } };
  return by ? signed(key, userId, `ed25519:${by.pub}`, by) : key;
}

/** Fresh master, self-signing and user-signing keys, and the upload body carrying them. */
export function crossSigningKeys(userId: string) {
  const master = ed25519();
  const ssk = ed25519();
  const usk = ed25519();
  const body = {
    master_key: csKey(userId, 'master', master),
    self_signing_key: csKey(userId, 'self_signing', ssk, master),
    user_signing_key: csKey(userId, 'user_signing', usk, master),
  };
  return { master, ssk, usk, body };
}

/** A signed one-time (or fallback) key of the user's device. */
export function otk(u: TestUser, s: Signer, fallback = false) {
  const key: Record<string, unknown> = { key: ed25519().pub };
  if (fallback) key.fallback = true;
  return signed(key, u.userId, `ed25519:${u.deviceId}`, s);
}
