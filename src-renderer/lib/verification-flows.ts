/**
 * Which verifications the app knows of and which one its dialog shows, as a pure reducer over
 * the core's `verification.changed` events and the user's actions. One dialog at a time: an
 * incoming request pops it up when nothing else is shown, else waits until that one is closed.
 */
import type { Verification } from '../../src-main/ipc/contract';

/** The verifications heard of, and the one shown. Never mutated: each step returns a new one. */
export type Flows = {
  /** Every open (not yet closed) verification, by `flowId`, oldest first. */
  byId: ReadonlyMap<string, Verification>;
  /** The `flowId` the dialog shows, if any. */
  shown: string | undefined;
  /** Closed by the user: later events for them are ignored, they never pop up again. */
  closed: ReadonlySet<string>;
};

/** No verification at all. */
export const NO_FLOWS: Flows = { byId: new Map(), shown: undefined, closed: new Set() };

/** Whether a verification has ended (verified, or cancelled by either side). */
export function isFinished(v: Pick<Verification, 'phase'>): boolean {
  return v.phase === 'done' || v.phase === 'cancelled';
}

/** The first open incoming verification that is not finished: the next to pop up. */
function nextIncoming(byId: ReadonlyMap<string, Verification>): string | undefined {
  for (const v of byId.values()) if (v.incoming && !isFinished(v)) return v.flowId;
  return undefined;
}

/**
 * `next` with the session `known` named, when `next` names none: the core names the other
 * session of a request to one of ours only once it answers, and the dialog should go on saying
 * which one was asked meanwhile.
 */
function withDevice(next: Verification, known: Verification | undefined): Verification {
  return next.deviceId === undefined && known?.deviceId !== undefined
    ? { ...next, deviceId: known.deviceId }
    : next;
}

/** A `verification.changed` event: the flow is added or replaced; an incoming one may pop up. */
export function flowChanged(flows: Flows, event: Verification): Flows {
  if (flows.closed.has(event.flowId)) return flows;
  const v = withDevice(event, flows.byId.get(event.flowId));
  const byId = new Map(flows.byId);
  // An incoming request that ended before anyone saw it (another dialog was open) is dropped.
  if (v.incoming && isFinished(v) && flows.shown !== v.flowId) byId.delete(v.flowId);
  else byId.set(v.flowId, v);
  const popUp = flows.shown === undefined && v.incoming && !isFinished(v);
  return { ...flows, byId, shown: popUp ? v.flowId : flows.shown };
}

/**
 * Our own request was answered with its `flowId`: the dialog shows it. `requested` stands in
 * for its state until the core's first event for it arrives (which may have come already).
 */
export function flowStarted(flows: Flows, requested: Verification): Flows {
  if (flows.closed.has(requested.flowId)) return flows;
  const byId = new Map(flows.byId);
  const known = byId.get(requested.flowId);
  byId.set(requested.flowId, known ? withDevice(known, requested) : requested);
  return { ...flows, byId, shown: requested.flowId };
}

/** The user closed a verification's dialog: it is forgotten, and the next incoming one shows. */
export function flowClosed(flows: Flows, flowId: string): Flows {
  const byId = new Map(flows.byId);
  byId.delete(flowId);
  const closed = new Set(flows.closed).add(flowId);
  const shown = flows.shown === flowId ? nextIncoming(byId) : flows.shown;
  return { byId, shown, closed };
}

/** The verification the dialog shows, if any. */
export function shownFlow(flows: Flows): Verification | undefined {
  return flows.shown === undefined ? undefined : flows.byId.get(flows.shown);
}

/** The dialog's title (its accessible name): our own sessions, or another person. */
export function verificationTitle(
  v: Pick<Verification, 'userId'>,
  ownUserId: string | undefined,
): 'Verify session' | 'Verify user' {
  return v.userId === ownUserId ? 'Verify session' : 'Verify user';
}

/** Who asks, for an incoming request: "Your session ABC wants …" or "@bob:x wants …". */
export function requestText(
  v: Pick<Verification, 'userId' | 'deviceId'>,
  ownUserId: string | undefined,
): string {
  if (v.userId !== ownUserId) return `${v.userId} wants to verify you.`;
  const which = v.deviceId ? `Your other session ${v.deviceId}` : 'Another of your sessions';
  return `${which} wants to verify this session.`;
}

/** Why a verification was cancelled, in words (the core's reason, else a general one). */
export function cancelText(v: Pick<Verification, 'cancelReason'>): string {
  const reason = v.cancelReason?.trim();
  return reason ? reason : 'The verification was cancelled.';
}
