/**
 * The wasm's verification objects as the contract's plain data: the phase a dialog shows, the
 * seven emoji, why it was cancelled in words; and where an incoming verification event belongs.
 *
 * @packageDocumentation
 */
import type { SasEmoji, Verification, VerificationPhase } from '../model/e2ee';
import { isObject, type JsonObject } from '../protocol/events';
import { wasm } from './wasm';

/** The methods we offer and accept: emoji SAS (QR codes are not supported yet). */
export const OUR_METHODS = [wasm.VerificationMethod.SasV1];

/** What tracking one verification holds: the request, and its SAS once started. */
export type Flow = { request: wasm.VerificationRequest; sas?: wasm.Sas };

const { VerificationRequestPhase: P } = wasm;

/** The phase a dialog shows for the request and its SAS. */
export function phaseOf(f: Flow): VerificationPhase {
  const { request: r, sas } = f;
  if (r.isCancelled() || sas?.isCancelled()) return 'cancelled';
  if (r.isDone() || sas?.isDone()) return 'done';
  if (sas) {
    if (sas.haveWeConfirmed()) return 'confirmed';
    return sas.canBePresented() ? 'emoji' : 'started';
  }
  switch (r.phase()) {
    case P.Ready:
      return 'ready';
    case P.Transitioned:
      return 'started';
    default:
      return 'requested';
  }
}

/** The seven emoji with the spec's English names, once the SAS can be shown. */
export function emojiOf(sas: wasm.Sas | undefined): SasEmoji[] | undefined {
  const list = sas?.canBePresented() ? sas.emoji() : undefined;
  if (!list) return undefined;
  const out = list.map((e) => ({ symbol: e.symbol, name: e.description }));
  for (const e of list) e.free();
  return out;
}

/** Why a verification was cancelled, in words. */
export function cancelReasonOf(code: string, byUs: boolean, reason: string): string {
  switch (code) {
    case 'm.user':
      return byUs ? 'You cancelled' : 'The other side cancelled';
    case 'm.timeout':
      return 'Timed out';
    case 'm.mismatched_sas':
      return 'The emoji did not match';
    case 'm.key_mismatch':
      return 'The keys did not match: this may not be the session it claims to be';
    case 'm.accepted':
      return 'Accepted on another session';
    case 'm.user_mismatch':
      return 'The other side is not who it was expected to be';
    case 'm.unknown_method':
      return 'The two sides have no verification method in common';
    default:
      return `Something went wrong (${code}${reason ? `: ${reason}` : ''})`;
  }
}

function cancelReason(f: Flow): string | undefined {
  const info = f.sas?.cancelInfo() ?? f.request.cancelInfo;
  if (!info) return undefined;
  const words = cancelReasonOf(info.cancelCode(), info.cancelledbyUs(), info.reason());
  info.free();
  return words;
}

/**
 * The flow as the contract shows it. `emoji` is what was shown earlier (the wasm stops giving
 * it once confirmed or done).
 */
export function snapshotOf(f: Flow, emoji: SasEmoji[] | undefined): Verification {
  const r = f.request;
  const v: Verification = {
    flowId: r.flowId,
    userId: r.otherUserId.toString(),
    incoming: !r.weStarted(),
    phase: phaseOf(f),
  };
  const device = r.otherDeviceId?.toString();
  if (device) v.deviceId = device;
  const room = r.roomId?.toString();
  if (room) v.roomId = room;
  if (emoji && v.phase !== 'cancelled') v.emoji = emoji;
  if (f.sas) v.method = 'm.sas.v1';
  if (v.phase === 'cancelled') v.cancelReason = cancelReason(f) ?? 'Cancelled';
  return v;
}

/** The `msgtype` (in-room) and event type (to-device) of a verification request. */
export const REQUEST = 'm.key.verification.request';

/**
 * The flow an incoming verification event belongs to: the transaction id of a to-device one;
 * for an in-room one (`eventId` given), the request's event id (its own for the request
 * itself). Undefined for an event that names none.
 */
export function flowIdOf(type: string, content: JsonObject, eventId?: string): string | undefined {
  if (eventId === undefined) {
    return typeof content.transaction_id === 'string' ? content.transaction_id : undefined;
  }
  if (type === 'm.room.message' && content.msgtype === REQUEST) return eventId;
  const rel = content['m.relates_to'];
  return isObject(rel) && typeof rel.event_id === 'string' ? rel.event_id : undefined;
}
