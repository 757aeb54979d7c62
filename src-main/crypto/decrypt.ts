/**
 * Decrypting room events: an `m.room.encrypted` event becomes the event its sender wrote, with
 * the shield its sender's trust earns, or stays encrypted with the reason it could not be read.
 *
 * @packageDocumentation
 */
import type { EncryptionInfo, Shield, UtdReason } from '../model/e2ee';
import { isObject, type E2eeRecord, type JsonObject, type RawEvent } from '../protocol/events';
import { wasm } from './wasm';

const { DecryptionErrorCode: Code, ShieldStateCode: ShieldCode } = wasm;

/** The outcome of one decryption attempt. */
export type Decrypted =
  | { ok: true; type: string; content: JsonObject; record: E2eeRecord }
  | { ok: false; record: E2eeRecord };

/** What the reasons depend on beyond the error itself. */
export type DecryptContext = {
  /** When this device was created (ms): a missing key for an older message is expected. */
  deviceCreatedTs: number;
};

const SHIELDS: Record<number, Shield> = {
  [ShieldCode.AuthenticityNotGuaranteed]: 'unauthenticated',
  [ShieldCode.UnknownDevice]: 'unknown_device',
  [ShieldCode.UnsignedDevice]: 'unsigned_device',
  [ShieldCode.UnverifiedIdentity]: 'unverified',
  [ShieldCode.VerificationViolation]: 'identity_changed',
  [ShieldCode.MismatchedSender]: 'mismatched_sender',
};

/** The shield of a decrypted event (strict: an unverified sender is not shown as verified). */
function shieldOf(d: wasm.DecryptedRoomEvent): Shield {
  const s = d.shieldState(true);
  const code = s.code;
  s.free();
  return code === undefined ? 'verified' : (SHIELDS[code] ?? 'unverified');
}

/** Maps a decryption failure to the reason people are told. */
export function reasonOf(
  err: unknown,
  eventTs: number,
  ctx: DecryptContext,
): { reason: UtdReason; withheldCode?: string } {
  if (!(err instanceof wasm.MegolmDecryptionError)) return { reason: 'malformed' };
  const withheld = err.maybe_withheld;
  const beforeDevice = eventTs < ctx.deviceCreatedTs;
  switch (err.code) {
    case Code.MissingRoomKey:
      if (withheld) return { reason: 'withheld', withheldCode: withheldCodeOf(withheld) };
      return { reason: beforeDevice ? 'before_device' : 'missing_key' };
    case Code.UnknownMessageIndex:
      // Sent before this device existed, the session reached us later from a later message
      // on: expected, and the same reason whether the key arrived before or after the event
      // (as js-sdk tells it too).
      return { reason: beforeDevice ? 'before_device' : 'unknown_index' };
    case Code.UnknownSenderDevice:
    case Code.UnsignedSenderDevice:
    case Code.SenderIdentityVerificationViolation:
      return { reason: 'untrusted_sender' };
    default:
      return { reason: 'malformed' };
  }
}

/** `maybe_withheld` is the code (`m.unverified`…) or a sentence naming it. */
function withheldCodeOf(text: string): string {
  const m = /m\.[a-z_]+/.exec(text);
  return m ? m[0] : text;
}

/**
 * Decrypts one `m.room.encrypted` event. Never throws for a bad event: corrupt ciphertext, a
 * replayed index or a missing key all come back as `ok: false` with a reason.
 */
export async function decryptEvent(
  olm: wasm.OlmMachine,
  roomId: string,
  ev: RawEvent,
  ctx: DecryptContext,
): Promise<Decrypted> {
  const ciphertext = ev.content;
  const sessionId = typeof ciphertext.session_id === 'string' ? ciphertext.session_id : undefined;
  const record = (info: EncryptionInfo): E2eeRecord =>
    sessionId ? { info, ciphertext, sessionId } : { info, ciphertext };
  const room = new wasm.RoomId(roomId);
  const settings = new wasm.DecryptionSettings(wasm.TrustRequirement.Untrusted);
  let d: wasm.DecryptedRoomEvent | undefined;
  try {
    d = await olm.decryptRoomEvent(JSON.stringify(wireForm(ev)), room, settings);
    const clear = JSON.parse(d.event) as unknown;
    if (!isObject(clear) || typeof clear.type !== 'string' || !isObject(clear.content)) {
      return { ok: false, record: record({ state: 'undecryptable', reason: 'malformed' }) };
    }
    const content = { ...clear.content };
    // Relations travel outside the ciphertext (the server needs them): put them back.
    if (content['m.relates_to'] === undefined && isObject(ciphertext['m.relates_to']))
      content['m.relates_to'] = ciphertext['m.relates_to'];
    const info: EncryptionInfo = { state: 'decrypted', shield: shieldOf(d) };
    return { ok: true, type: clear.type, content, record: record(info) };
  } catch (err) {
    const why = reasonOf(err, ev.origin_server_ts, ctx);
    (err as { free?: () => void } | undefined)?.free?.();
    return { ok: false, record: record({ state: 'undecryptable', ...why }) };
  } finally {
    d?.free();
    room.free();
    settings.free();
  }
}

/** The event as the server sent it, for the machine (without local fields). */
function wireForm(ev: RawEvent): JsonObject {
  const out: JsonObject = {
    event_id: ev.event_id,
    type: ev.type,
    sender: ev.sender,
    origin_server_ts: ev.origin_server_ts,
    content: ev.content,
  };
  if (ev.unsigned) out.unsigned = ev.unsigned;
  return out;
}

/** Decrypts `ev` in place (type and content replaced, `e2ee` set); true if it decrypted. */
export async function decryptInPlace(
  olm: wasm.OlmMachine,
  roomId: string,
  ev: RawEvent,
  ctx: DecryptContext,
): Promise<boolean> {
  const r = await decryptEvent(olm, roomId, ev, ctx);
  ev.e2ee = r.record;
  if (!r.ok) return false;
  ev.type = r.type;
  ev.content = r.content;
  return true;
}
