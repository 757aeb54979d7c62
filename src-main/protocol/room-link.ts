/**
 * A room's `matrix.to` link (spec appendix "matrix.to navigation"): by its canonical alias when
 * it has one, else by its id with up to three `via` servers to find it through.
 *
 * @packageDocumentation
 */
import { str, type JsonObject } from './events';

/** The server name of a user id or room id (`…:server`), if it has one. */
function serverOf(id: string): string | undefined {
  const i = id.indexOf(':');
  return i > 0 && i < id.length - 1 ? id.slice(i + 1) : undefined;
}

/** The servers of `memberIds`, most members first, at most three. */
export function viaServers(memberIds: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const id of memberIds) {
    const s = serverOf(id);
    if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([s]) => s);
}

/** The link: `https://matrix.to/#/<alias>`, or `…/#/<room id>?via=…`. */
export function roomLink(
  roomId: string,
  canonicalAlias: JsonObject | undefined,
  memberIds: readonly string[],
): string {
  const alias = str(canonicalAlias?.alias);
  if (alias && /^#[^:\s]+:\S+$/.test(alias)) {
    return `https://matrix.to/#/${encodeURIComponent(alias)}`;
  }
  const via = viaServers(memberIds).map((s) => `via=${encodeURIComponent(s)}`);
  return `https://matrix.to/#/${encodeURIComponent(roomId)}${via.length ? `?${via.join('&')}` : ''}`;
}
