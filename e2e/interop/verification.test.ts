/**
 * Emoji verification between our core and matrix-js-sdk (Rust crypto, unchanged): another
 * session of the same user over to-device messages, and two users in a direct chat (our
 * in-room events encrypted, js-sdk's in plaintext), each started once from either side. Both
 * sides must show the same seven emoji and end verified.
 */
import { Preset, RoomEvent, type MatrixClient } from 'matrix-js-sdk';
import {
  CryptoEvent,
  VerificationPhase,
  VerifierEvent,
  type ShowSasCallbacks,
  type VerificationRequest,
  type Verifier,
} from 'matrix-js-sdk/lib/crypto-api/index.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Core } from '../../src-main/core/core';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  knowsDevice,
  login,
  passwordAuth,
  registerUser,
  roomWithMembership,
  startSynced,
  stopAll,
  until,
} from './helpers';
import { call, closeCores, crossSign, ourCore, pushed } from './our-core';

const T = 90_000;

let server: RunningHomeserver;
const clients: MatrixClient[] = [];
const cores: Core[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  stopAll(clients);
  await closeCores(cores);
  await server?.close();
});

/**
 * js-sdk's sync decrypts only the newest event of each room's batch (and those after the
 * user's read receipt); an app decrypts the events it shows. Our peers show every room, so an
 * encrypted verification event followed in the same batch by another event is read too.
 */
function showEveryRoom(c: MatrixClient): void {
  c.on(RoomEvent.Timeline, (e) => void c.decryptEventIfNeeded(e));
}

async function jsClient(username: string, crossSigning = false): Promise<MatrixClient> {
  const c = await login(server.url, username, { crypto: true });
  clients.push(c);
  showEveryRoom(c);
  await startSynced(c, 5);
  if (crossSigning)
    await c.getCrypto()!.bootstrapCrossSigning({ authUploadDeviceSigningKeys: passwordAuth(c) });
  return c;
}

async function core(username: string): Promise<Core> {
  const c = await ourCore(server.url, username);
  cores.push(c);
  return c;
}

const phase = (c: Core, flowId: string, p: string) =>
  pushed(c, 'verification.changed', (e) => e.data.flowId === flowId && e.data.phase === p).catch(
    () => {
      throw new Error(`our core never reached ${p}`);
    },
  );

/** `p`, or a failure naming `what` after `ms` (so a stuck step says which it was). */
function within<T>(what: string, p: Promise<T>, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The next request js-sdk receives (on failure, what it holds of the room's last events). */
function received(c: MatrixClient, roomId?: string): Promise<VerificationRequest> {
  const next = new Promise<VerificationRequest>((resolve) =>
    c.once(CryptoEvent.VerificationRequestReceived, resolve),
  );
  return within('js-sdk to receive the request', next).catch((err: Error) => {
    const events = (roomId && c.getRoom(roomId)?.getLiveTimeline().getEvents()) || [];
    const seen = events.slice(-6).map((e) => ({
      type: e.getType(),
      sender: e.getSender(),
      encrypted: e.isEncrypted(),
      failed: e.isDecryptionFailure(),
    }));
    throw new Error(`${err.message}; js-sdk's last events: ${JSON.stringify(seen)}`);
  });
}

/**
 * Runs the emoji comparison once the SAS started: js-sdk's verifier shows its emoji, ours come
 * as `verification.changed`; both must match; then both sides confirm and finish.
 */
async function compareAndConfirm(core: Core, flowId: string, verifier: Verifier) {
  const shown = new Promise<ShowSasCallbacks>((resolve) =>
    verifier.once(VerifierEvent.ShowSas, resolve),
  );
  const verified = verifier.verify();
  const [sas, ours] = await Promise.all([
    within('js-sdk to show the emoji', shown),
    phase(core, flowId, 'emoji'),
  ]);
  expect(ours.data.emoji).toHaveLength(7);
  expect(ours.data.emoji!.map((e) => [e.symbol, e.name])).toEqual(sas.sas.emoji);
  await call(core, 'verification.confirm', { flowId, match: true });
  await within('js-sdk to send its confirmation', sas.confirm());
  await within('js-sdk to finish', verified);
  await phase(core, flowId, 'done');
}

/** A direct chat made by js-sdk user `js` with our core's user, encrypted, both joined. */
async function directChat(js: MatrixClient, ours: Core, ourUserId: string): Promise<string> {
  const { room_id: roomId } = await js.createRoom({
    is_direct: true,
    invite: [ourUserId],
    preset: Preset.TrustedPrivateChat,
    initial_state: [
      { type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } },
    ],
  });
  await pushed(ours, 'rooms.changed', (e) =>
    e.data.rooms.some((r) => r.roomId === roomId && r.membership === 'invite'),
  );
  await call(ours, 'rooms.join', { roomIdOrAlias: roomId });
  await roomWithMembership(js, roomId, 'join');
  await until('our user joined at js', () =>
    js.getRoom(roomId)?.getMember(ourUserId)?.membership === 'join' ? true : undefined,
  );
  return roomId;
}

/** Waits for pushes about `userId` until our core shows their identity verified. */
async function verifiedAtCore(c: Core, userId: string): Promise<void> {
  let seq = 0;
  for (;;) {
    const e = await pushed(
      c,
      'crypto.devicesChanged',
      (ev) => ev.data.userIds.includes(userId),
      seq,
    );
    seq = e.seq;
    if ((await call(c, 'crypto.userDevices', { userId })).identityVerified) return;
  }
}

describe('matrix-js-sdk interop: emoji verification', () => {
  test(
    'our core verifies a js-sdk session of the same user (we start, to-device)',
    async () => {
      const me = await registerUser(server.url, 'carol');
      const ours = await core('carol');
      const ourDevice = (await call(ours, 'crypto.status', {})).deviceId;
      const js = await jsClient('carol');
      await knowsDevice(js, me, ourDevice);

      const incoming = received(js);
      const { flowId } = await call(ours, 'verification.request', {
        userId: me,
        deviceId: js.getDeviceId()!,
      });
      const req = await incoming;
      expect(req.transactionId).toBe(flowId);
      await within('js-sdk to accept', req.accept());
      await phase(ours, flowId, 'ready');
      await call(ours, 'verification.startSas', { flowId });
      const verifier = await until('js-sdk to see the start', () => req.verifier);
      await compareAndConfirm(ours, flowId, verifier);

      const status = await js.getCrypto()!.getDeviceVerificationStatus(me, ourDevice);
      expect(status?.isVerified()).toBe(true);
      const devices = await call(ours, 'crypto.userDevices', { userId: me });
      expect(devices.devices.find((d) => d.deviceId === js.getDeviceId())?.verified).toBe(true);
    },
    T,
  );

  test(
    'a js-sdk session verifies our core of the same user (js-sdk starts, to-device)',
    async () => {
      const me = await registerUser(server.url, 'dora');
      const ours = await core('dora');
      const js = await jsClient('dora', true);
      await until('our core to know the js-sdk session', async () => {
        const u = await call(ours, 'crypto.userDevices', { userId: me });
        return u.devices.some((d) => d.deviceId === js.getDeviceId());
      });

      const from = ours.events.lastSeq;
      const req = await js.getCrypto()!.requestOwnUserVerification();
      const asked = await pushed(
        ours,
        'verification.changed',
        (e) => e.data.incoming && e.data.phase === 'requested',
        from,
      );
      const flowId = asked.data.flowId;
      expect(flowId).toBe(req.transactionId);
      await call(ours, 'verification.accept', { flowId });
      await until('js-sdk to see ready', () => req.phase === VerificationPhase.Ready);
      const verifier = await req.startVerification('m.sas.v1');
      await compareAndConfirm(ours, flowId, verifier);

      const ourDevice = (await call(ours, 'crypto.status', {})).deviceId;
      await until('js-sdk to trust our session', async () =>
        (await js.getCrypto()!.getDeviceVerificationStatus(me, ourDevice))?.isVerified(),
      );
      const devices = await call(ours, 'crypto.userDevices', { userId: me });
      expect(devices.devices.find((d) => d.deviceId === js.getDeviceId())?.verified).toBe(true);
    },
    T,
  );

  let erin: MatrixClient;
  let frank: Core;
  let dm: string;

  test(
    'a js-sdk user verifies our user in their direct chat (js-sdk starts, in-room)',
    async () => {
      const erinId = await registerUser(server.url, 'erin');
      const frankId = await registerUser(server.url, 'frank');
      frank = await core('frank');
      await crossSign(frank);
      erin = await jsClient('erin', true);
      dm = await directChat(erin, frank, frankId);
      const from = frank.events.lastSeq;
      // js-sdk refuses until it has fetched our user's cross-signing identity.
      const req = await until('js-sdk to request', () =>
        erin
          .getCrypto()!
          .requestVerificationDM(frankId, dm)
          .catch(() => undefined),
      );
      const asked = await pushed(
        frank,
        'verification.changed',
        (e) => e.data.incoming && e.data.phase === 'requested',
        from,
      );
      expect(asked.data).toMatchObject({ roomId: dm, userId: erinId, flowId: req.transactionId });
      await call(frank, 'verification.accept', { flowId: asked.data.flowId });
      await until('js-sdk to see ready', () => req.phase === VerificationPhase.Ready);
      const verifier = await req.startVerification('m.sas.v1');
      await compareAndConfirm(frank, asked.data.flowId, verifier);

      await verifiedAtCore(frank, erinId);
      await until('js-sdk to see our user verified', async () =>
        (await erin.getCrypto()!.getUserVerificationStatus(frankId)).isVerified(),
      );
    },
    T,
  );

  test(
    'our user verifies the js-sdk user in the same direct chat (we start, in-room, encrypted)',
    async () => {
      const erinId = erin.getUserId()!;
      const incoming = received(erin, dm);
      const { flowId } = await call(frank, 'verification.request', { userId: erinId });
      const req = await incoming;
      expect(req.roomId).toBe(dm);
      expect(req.transactionId).toBe(flowId);
      await within('js-sdk to accept', req.accept());
      await phase(frank, flowId, 'ready');
      await call(frank, 'verification.startSas', { flowId });
      const verifier = await until('js-sdk to see the start', () => req.verifier);
      await compareAndConfirm(frank, flowId, verifier);

      // Our events went out encrypted: the server holds no verification event in the clear.
      const stored = server.hs.rooms.get(dm)!.timeline.map((se) => se.pdu);
      const ours = stored.filter((p) => p.sender === '@frank:test.local');
      const clear = ours.filter(
        (p) => p.type.startsWith('m.key.verification.') || p.type === 'm.room.message',
      );
      expect(clear).toEqual([]);
      expect(ours.filter((p) => p.type === 'm.room.encrypted').length).toBeGreaterThanOrEqual(4);
    },
    T,
  );
});
