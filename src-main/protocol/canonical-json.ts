/**
 * Canonical JSON (the spec's appendix "Canonical JSON"): what is signed when an object is
 * signed, e.g. a key backup's `auth_data`.
 *
 * @packageDocumentation
 */
import { isObject, type JsonObject } from './events';

const encoder = new TextEncoder();

/** Compares two strings by their UTF-8 bytes (the order canonical JSON sorts keys in). */
function byUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * `value` in canonical JSON: object keys sorted by their UTF-8 bytes, no insignificant
 * whitespace, strings escaped as `JSON.stringify` does (which the spec's rules match for the
 * values signed in practice). Numbers must be integers, as the spec requires.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort(byUtf8);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isInteger(value))
    throw new Error('Canonical JSON has integers only');
  return JSON.stringify(value) ?? 'null';
}

/** The part of an object that is signed: everything but `signatures` and `unsigned`. */
export function signedPart(o: JsonObject): JsonObject {
  const rest = { ...o };
  delete rest.signatures;
  delete rest.unsigned;
  return rest;
}
