/**
 * Starting verifications with the wasm: with one device (ours or someone's, over to-device),
 * with all our other sessions, or with another user in a direct chat (the request is a room
 * message; the wasm's request object is made once it was sent). Keys the machine lacks are
 * fetched once before giving up.
 *
 * @packageDocumentation
 */
import type { JsonObject } from '../protocol/events';
import type { CryptoMachine } from './machine';
import type { VerificationOutgoing } from './verification-sender';
import { OUR_METHODS } from './verification';
import { wasm } from './wasm';

/** A started request and the message that asks the other side. */
export type Started = { request: wasm.VerificationRequest; outgoing?: VerificationOutgoing };

function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

/** Queries `userId`'s devices and identity now (tracking them from now on). */
export async function refreshKeys(m: CryptoMachine, userId: string): Promise<void> {
  await m.olm.updateTrackedUsers([new wasm.UserId(userId)]);
  await m.send(m.olm.queryKeysForUsers([new wasm.UserId(userId)]));
}

/** The device, fetching the owner's keys once when it is unknown. */
export async function deviceOf(
  m: CryptoMachine,
  userId: string,
  deviceId: string,
): Promise<wasm.Device | undefined> {
  const get = () => m.olm.getDevice(new wasm.UserId(userId), new wasm.DeviceId(deviceId));
  const known = await get();
  if (known) return known;
  await refreshKeys(m, userId);
  return get();
}

async function identityOf(m: CryptoMachine, userId: string) {
  const get = () => m.olm.getIdentity(new wasm.UserId(userId));
  const known = await get();
  if (known) return known;
  await refreshKeys(m, userId);
  return get();
}

/** Verification with one device, over to-device messages. */
export async function requestDevice(
  m: CryptoMachine,
  userId: string,
  deviceId: string,
): Promise<Started> {
  if (userId === m.userId && deviceId === m.deviceId)
    fail('bad_request', 'This is the session you are using');
  const device = await deviceOf(m, userId, deviceId);
  if (!device) fail('unknown_device', `No session ${deviceId} is known for ${userId}`);
  try {
    const [request, outgoing] = device.requestVerification(OUR_METHODS);
    return { request, outgoing };
  } finally {
    device.free();
  }
}

/** Verification with whichever of our other sessions answers first. */
export async function requestOwnSessions(m: CryptoMachine): Promise<Started> {
  const own = await identityOf(m, m.userId);
  if (!(own instanceof wasm.OwnUserIdentity)) {
    own?.free();
    fail('no_identity', 'Cross-signing is not set up: choose the session to verify');
  }
  try {
    const [request, outgoing] = await own.requestVerification(OUR_METHODS);
    return { request, outgoing };
  } finally {
    own.free();
  }
}

/** Sends an event into a room and returns its id. */
export type SendEvent = (roomId: string, type: string, content: JsonObject) => Promise<string>;

/**
 * Verification of another user in a direct chat with them: `room` finds or makes it once we
 * know they can be verified at all; the request is sent there.
 */
export async function requestInRoom(
  m: CryptoMachine,
  userId: string,
  room: () => Promise<string>,
  sendEvent: SendEvent,
): Promise<Started> {
  const identity = await identityOf(m, userId);
  if (!(identity instanceof wasm.OtherUserIdentity)) {
    identity?.free();
    fail('no_identity', `${userId} has not set up cross-signing, so they cannot be verified`);
  }
  try {
    const roomId = await room();
    const content = JSON.parse(identity.verificationRequestContent(OUR_METHODS)) as JsonObject;
    const eventId = await sendEvent(roomId, 'm.room.message', content);
    const request = identity.requestVerification(
      new wasm.RoomId(roomId),
      new wasm.EventId(eventId),
      OUR_METHODS,
    );
    return { request };
  } finally {
    identity.free();
  }
}
