/**
 * Small guards for homeserver replies: a reply of the wrong shape becomes a
 * {@link HomeserverError} (`M_BAD_JSON`), never a crash further in.
 *
 * @packageDocumentation
 */
import { HomeserverError } from './errors';
import type { JsonObject } from './api-types';

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The error for a reply of the wrong shape. */
export function malformed(what: string): HomeserverError {
  return new HomeserverError(200, 'M_BAD_JSON', `The server's ${what} reply is malformed`);
}

/** `v` as an object, or a {@link malformed} error. */
export function obj(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw malformed(what);
  return v;
}

/** A required non-empty string field. */
export function str(o: JsonObject, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw malformed(what);
  return v;
}

/** An optional string field (ignored when of another type). */
export function optStr(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** An array field; `[]` when absent or not an array. */
export function arr(o: JsonObject, key: string): unknown[] {
  const v = o[key];
  return Array.isArray(v) ? v : [];
}

/** A 404 from the homeserver. */
export function isNotFound(err: unknown): boolean {
  return err instanceof HomeserverError && err.status === 404;
}
