/**
 * Spec versions from `/versions`, and the features the client may use because of them.
 * Pure functions: the core degrades on servers that only advertise old versions.
 *
 * @packageDocumentation
 */

/** A parsed spec version: `v1.12` → `{ major: 1, minor: 12 }`; `r0.6.1` → `{ 0, 6 }`. */
export type SpecVersion = { major: number; minor: number };

/** Parses `vX.Y` (and the historical `rX.Y.Z`); `undefined` for anything else. */
export function parseSpecVersion(v: string): SpecVersion | undefined {
  const m = /^[vr](\d+)\.(\d+)(?:\.\d+)?$/.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

function atLeast(a: SpecVersion, b: SpecVersion): boolean {
  return a.major > b.major || (a.major === b.major && a.minor >= b.minor);
}

/**
 * Whether the server advertises `wanted` (e.g. `'v1.3'`) or a later version. Servers list every
 * version they support, so "any advertised version at or above" is what clients rely on.
 * An unparseable `wanted` is never supported.
 */
export function supportsVersion(versions: readonly string[], wanted: string): boolean {
  const w = parseSpecVersion(wanted);
  if (!w) return false;
  return versions.some((v) => {
    const p = parseSpecVersion(v);
    return p !== undefined && atLeast(p, w);
  });
}

/** What the client may use on a server, from its advertised versions. */
export type ServerFeatures = {
  /** v1.3: `/messages` without `from` (paginate from the room's edge). */
  messagesWithoutFrom: boolean;
  /** v1.4: `m.read.private` receipts and `m.fully_read` through `/receipt`. */
  privateReceipts: boolean;
  /** v1.4: `thread_id` on receipts. */
  threadedReceipts: boolean;
  /** v1.11: authenticated media under `/_matrix/client/v1/media/`. */
  authenticatedMedia: boolean;
  /** v1.12: `via` on `/join/{roomIdOrAlias}` (before: `server_name`). */
  joinVia: boolean;
  /** v1.16: `use_state_after` on `/sync`. */
  useStateAfter: boolean;
};

/** The features of a server advertising `versions`. */
export function serverFeatures(versions: readonly string[]): ServerFeatures {
  return {
    messagesWithoutFrom: supportsVersion(versions, 'v1.3'),
    privateReceipts: supportsVersion(versions, 'v1.4'),
    threadedReceipts: supportsVersion(versions, 'v1.4'),
    authenticatedMedia: supportsVersion(versions, 'v1.11'),
    joinVia: supportsVersion(versions, 'v1.12'),
    useStateAfter: supportsVersion(versions, 'v1.16'),
  };
}
