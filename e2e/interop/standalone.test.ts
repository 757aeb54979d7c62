/**
 * The matrix-js-sdk E2EE exchange against the homeserver started standalone, as
 * `npm run homeserver -- --port 0` does, in its own process.
 */
import { EventType, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  encryptedPair,
  sendEncrypted,
  startStandalone,
  stopAll,
  unrecognized,
  type Standalone,
} from './helpers';

const T = 60_000;

let server: Standalone;
let clients: MatrixClient[] = [];

beforeAll(async () => {
  server = await startStandalone();
}, T);

afterAll(async () => {
  stopAll(clients);
  await server?.stop();
});

describe('matrix-js-sdk interop: standalone homeserver process', () => {
  test(
    'prints its real port on the ready line and serves /versions',
    async () => {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      const res = await fetch(`${server.url}/_matrix/client/versions`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { versions: string[] }).versions).toContain('v1.1');
    },
    T,
  );

  test(
    'two Rust-crypto clients exchange and decrypt megolm messages both ways',
    async () => {
      const { a, b, roomId } = await encryptedPair(server.url, ['carol', 'dave']);
      clients = [a, b];

      const atDave = await sendEncrypted(a, b, roomId, 'standalone secret 1');
      expect(atDave.getWireType()).toBe(EventType.RoomMessageEncrypted);
      expect(atDave.getContent().body).toBe('standalone secret 1');
      expect(atDave.getSender()).toBe(a.getUserId());

      const atCarol = await sendEncrypted(b, a, roomId, 'standalone secret 2');
      expect(atCarol.getWireType()).toBe(EventType.RoomMessageEncrypted);
      expect(atCarol.getContent().body).toBe('standalone secret 2');
      expect(atCarol.getSender()).toBe(b.getUserId());
    },
    T,
  );

  test(
    'stops on SIGTERM and frees its port',
    async () => {
      stopAll(clients);
      clients = [];
      await server.stop();
      expect(server.proc.exitCode !== null || server.proc.signalCode !== null).toBe(true);
      // npm may exit before the homeserver's own process has closed its socket: wait for it.
      const port = () =>
        fetch(`${server.url}/_matrix/client/versions`).then(
          () => 'open',
          () => 'closed',
        );
      await vi.waitFor(async () => expect(await port()).toBe('closed'), { timeout: 15_000 });
    },
    T,
  );

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
