import type { ComposerDraft } from '../model/timeline';
import type { Db } from './db';

const SQL = {
  get: 'SELECT draft FROM drafts WHERE room_id = ?',
  upsert: `INSERT INTO drafts (room_id, draft, updated_ts) VALUES (?, ?, ?)
           ON CONFLICT (room_id) DO UPDATE SET draft = excluded.draft,
           updated_ts = excluded.updated_ts`,
  delete: 'DELETE FROM drafts WHERE room_id = ?',
} as const;

/** A stored draft, or undefined when it is not the shape we write (a damaged row). */
function parseDraft(json: string): ComposerDraft | undefined {
  try {
    const d = JSON.parse(json) as Partial<ComposerDraft> | null;
    if (!d || typeof d.text !== 'string') return undefined;
    const draft: ComposerDraft = { text: d.text };
    if (typeof d.replyTo === 'string') draft.replyTo = d.replyTo;
    if (Array.isArray(d.pills)) {
      draft.pills = d.pills.filter(
        (p) =>
          Number.isInteger(p?.offset) &&
          Number.isInteger(p?.length) &&
          typeof p.userId === 'string',
      );
    }
    return draft;
  } catch {
    return undefined;
  }
}

/** The composer's unsent text per room (local only). */
export class DraftStore {
  readonly #get;
  readonly #upsert;
  readonly #delete;

  constructor(db: Db) {
    this.#get = db.prepare<[string], { draft: string }>(SQL.get);
    this.#upsert = db.prepare<[string, string, number]>(SQL.upsert);
    this.#delete = db.prepare<[string]>(SQL.delete);
  }

  /** The room's draft, if any. */
  get(roomId: string): ComposerDraft | undefined {
    const row = this.#get.get(roomId);
    return row ? parseDraft(row.draft) : undefined;
  }

  /** Keeps `draft` for the room; an empty one (no text, no reply) removes it. */
  set(roomId: string, draft: ComposerDraft | undefined, now = Date.now()): void {
    if (!draft || (!draft.text && !draft.replyTo)) this.#delete.run(roomId);
    else this.#upsert.run(roomId, JSON.stringify(draft), now);
  }

  /** Forgets the room's draft. */
  deleteRoom(roomId: string): void {
    this.#delete.run(roomId);
  }
}
