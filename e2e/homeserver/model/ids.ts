import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random string of ASCII letters. */
export function randomLetters(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[bytes[i]! % ALNUM.length];
  return s;
}

/** An event id shaped like room versions 4+ give (`$` + 43 url-safe base64 chars). */
export function newEventId(): string {
  return '$' + randomBytes(32).toString('base64url');
}

export function newRoomId(serverName: string): string {
  return `!${randomLetters(18)}:${serverName}`;
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** Splits `@local:server` style ids; undefined when malformed. */
export function parseId(sigil: string, id: string): { local: string; server: string } | undefined {
  if (!id.startsWith(sigil)) return undefined;
  const i = id.indexOf(':');
  if (i < 2 || i === id.length - 1) return undefined;
  return { local: id.slice(1, i), server: id.slice(i + 1) };
}
