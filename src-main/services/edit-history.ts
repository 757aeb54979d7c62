/**
 * An edited message's versions: the original and each valid edit (`m.replace` from the same
 * sender, same type, not redacted, with `m.new_content`), newest first. From the cache; the
 * server's `/relations` fills in edits the cache lacks (unencrypted ones: an encrypted edit
 * that was never synced cannot be read here).
 *
 * @packageDocumentation
 */
import type { MessageVersion } from '../model/timeline';
import type { MatrixApi } from '../net/api';
import { isObject, str, validateEvent, type JsonObject } from '../protocol/events';
import { newContentOf } from '../protocol/relations';
import type { Stores } from '../storage/stores';

type Deps = { api: MatrixApi; stores: Stores; log?: (msg: string) => void };

type Version = { eventId: string; ts: number; sender: string; type: string; content: JsonObject };

function bodyOf(content: JsonObject | undefined): string | undefined {
  return str(content?.body);
}

/** Edits of `eventId` from the server, validated; [] when it cannot be reached. */
async function serverEdits(d: Deps, roomId: string, eventId: string): Promise<Version[]> {
  let raw: unknown[];
  try {
    raw = await d.api.relations(roomId, eventId, 'm.replace');
  } catch (err) {
    d.log?.(`edit history: /relations failed: ${String(err)}`);
    return [];
  }
  const out: Version[] = [];
  for (const json of raw) {
    const ev = validateEvent(json);
    if (typeof ev === 'string' || isObject(ev.unsigned?.redacted_because)) continue;
    out.push({ eventId: ev.event_id, ts: ev.origin_server_ts, ...ev });
  }
  return out;
}

/** The versions of message `eventId`, newest first. */
export async function editHistory(
  d: Deps,
  roomId: string,
  eventId: string,
): Promise<MessageVersion[]> {
  const original = d.stores.events.get(eventId);
  if (!original || original.roomId !== roomId) {
    throw Object.assign(new Error('That message is not in the cache'), { code: 'not_found' });
  }
  const byId = new Map<string, Version>();
  for (const e of d.stores.relations.edits(eventId)) byId.set(e.eventId, e);
  for (const e of await serverEdits(d, roomId, eventId))
    if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const versions: MessageVersion[] = [];
  for (const e of byId.values()) {
    // The spec's rules for a valid replacement.
    if (e.sender !== original.sender || e.type !== original.type) continue;
    const body = bodyOf(newContentOf(e));
    if (body !== undefined) versions.push({ eventId: e.eventId, ts: e.ts, body, original: false });
  }
  versions.sort((a, b) => b.ts - a.ts || (a.eventId < b.eventId ? 1 : -1));
  versions.push({
    eventId: original.eventId,
    ts: original.ts,
    body: bodyOf(original.content) ?? '',
    original: true,
  });
  return versions;
}
