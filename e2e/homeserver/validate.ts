import { badJson, invalidParam, missingParam } from './errors';

/** A JSON object, as request bodies and event contents are. */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body as an object, or M_BAD_JSON / M_NOT_JSON as the spec says. */
export function objectBody(body: unknown): JsonObject {
  if (body === undefined) return {};
  if (!isObject(body)) throw badJson('Request body must be a JSON object');
  return body;
}

export function optString(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badJson(`'${key}' must be a string`);
  return v;
}

export function reqString(o: JsonObject, key: string): string {
  const v = optString(o, key);
  if (v === undefined) throw missingParam(`'${key}' is required`);
  return v;
}

export function optBool(o: JsonObject, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badJson(`'${key}' must be a boolean`);
  return v;
}

export function optInt(o: JsonObject, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badJson(`'${key}' must be an integer`);
  return v;
}

export function optObject(o: JsonObject, key: string): JsonObject | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw badJson(`'${key}' must be an object`);
  return v;
}

export function optStringArray(o: JsonObject, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw badJson(`'${key}' must be an array of strings`);
  }
  return v as string[];
}

/** A query parameter as a non-negative integer, clamped to `max`. */
export function queryInt(q: URLSearchParams, key: string, dflt: number, max: number): number {
  const raw = q.get(key);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw invalidParam(`'${key}' must be a non-negative integer`);
  return Math.min(n, max);
}
