import { createPublicKey, verify } from 'node:crypto';
import { isObject, type JsonObject } from '../validate';

/**
 * Matrix canonical JSON (appendix "Canonical JSON"): keys sorted by their UTF-8 bytes,
 * no insignificant whitespace.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The object as it is signed: without `signatures` and `unsigned`. */
export function signedPart(o: JsonObject): JsonObject {
  const rest = { ...o };
  delete rest.signatures;
  delete rest.unsigned;
  return rest;
}

/** Whether two key objects are equal apart from their signatures and unsigned data. */
export function sameSignedContent(a: JsonObject, b: JsonObject): boolean {
  return canonicalJson(signedPart(a)) === canonicalJson(signedPart(b));
}

/** Decodes (padded or unpadded, standard or url-safe) base64; undefined when malformed. */
export function decodeBase64(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Whether `s` is an unpadded-base64 ed25519 public key (32 bytes). */
export function isEd25519Key(s: unknown): s is string {
  return typeof s === 'string' && decodeBase64(s)?.length === 32;
}

/**
 * Checks the signature `signatures[userId][keyId]` of `o` against the ed25519 public key
 * `publicKey` (unpadded base64), per the appendix "Signing JSON".
 */
export function verifySignature(
  o: JsonObject,
  userId: string,
  keyId: string,
  publicKey: string,
): boolean {
  const sigs = o.signatures;
  if (!isObject(sigs) || !isObject(sigs[userId])) return false;
  const sig = (sigs[userId] as JsonObject)[keyId];
  if (typeof sig !== 'string') return false;
  const raw = decodeBase64(publicKey);
  const sigBytes = decodeBase64(sig);
  if (raw?.length !== 32 || sigBytes?.length !== 64) return false;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
    return verify(null, Buffer.from(canonicalJson(signedPart(o))), key, sigBytes);
  } catch {
    return false;
  }
}

/** Deep-merges `extra` signatures into a copy of `sigs`. */
export function mergeSignatures(
  sigs: unknown,
  extra: Record<string, Record<string, string>>,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  if (isObject(sigs)) {
    for (const [u, m] of Object.entries(sigs))
      if (isObject(m)) out[u] = { ...(m as Record<string, string>) };
  }
  for (const [u, m] of Object.entries(extra)) out[u] = { ...(out[u] ?? {}), ...m };
  return out;
}
