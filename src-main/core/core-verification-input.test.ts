/**
 * Verification with bad input: commands with nonsense or in the wrong phase, and verification
 * events (to-device and in-room) with garbage content or for flows nobody started. Each gets a
 * clear error or a log line; nothing crashes and sync goes on.
 */
import { describe, expect, it, vi } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { Core } from './core';
import {
  call,
  next,
  seedRoom,
  sendAs,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';
import { knowsDevice, phase, until } from '../testing/verification';

const cleanup = useCleanups();
const T = 90_000;

async function server() {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  return hs;
}

async function core(url: string, username: string): Promise<Core> {
  const c = await startCore(tempDir());
  cleanup(() => c.close());
  await signIn(c, url, username);
  return c;
}

const deviceOf = async (c: Core) => (await call(c, 'crypto.status', {})).deviceId;

describe('core: verification with bad input', () => {
  it(
    'commands with bad input or in the wrong phase answer with clear errors and change nothing',
    async () => {
      const { url } = await server();
      await register(url, 'alice');
      await register(url, 'bob');
      const a = await core(url, 'alice');
      const b = await core(url, 'alice');
      const devA = await deviceOf(a);
      const devB = await deviceOf(b);
      const error = async (command: string, data: unknown) => {
        const r = await a.handle(command, data);
        if (r.ok) throw new Error(`${command} succeeded`);
        return r.error.code;
      };
      const me = '@alice:test.local';
      expect(await error('verification.request', { userId: 'nonsense' })).toBe('bad_request');
      expect(await error('verification.request', { userId: me, deviceId: devA })).toBe(
        'bad_request',
      );
      expect(await error('verification.request', { userId: me, deviceId: 'NOSUCH' })).toBe(
        'unknown_device',
      );
      // Bob never set up cross-signing: no direct chat is made for nothing.
      expect(await error('verification.request', { userId: '@bob:test.local' })).toBe(
        'no_identity',
      );
      expect((await call(a, 'rooms.list', {})).rooms).toEqual([]);
      expect(await error('verification.accept', { flowId: 'nope' })).toBe('unknown_flow');

      await knowsDevice(b, me, devA);
      const { flowId } = await call(a, 'verification.request', { userId: me, deviceId: devB });
      expect(await error('verification.accept', { flowId })).toBe('bad_state'); // ours
      expect(await error('verification.confirm', { flowId, match: true })).toBe('bad_state');
      expect(await error('verification.startSas', { flowId })).toBe('bad_state');
      await phase(b, flowId, 'requested');
      await call(b, 'verification.accept', { flowId });
      await phase(a, flowId, 'ready'); // still going after all that
    },
    T,
  );

  it(
    'ignores verification events with garbage content or for unknown flows, with a log line',
    async () => {
      const { url } = await server();
      const mallory = await register(url, 'mallory');
      await register(url, 'alice');
      const lines: string[] = [];
      const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
      cleanup(() => spy.mockRestore());
      const alice = await core(url, 'alice');
      const from = alice.events.lastSeq;
      const roomId = await seedRoom(url, mallory.userId, ['@alice:test.local'], 'Odd');

      const devA = await deviceOf(alice);
      let txn = 0;
      const toDevice = async (type: string, content: Record<string, unknown>) => {
        const path = `/_matrix/client/v3/sendToDevice/${type}/bad${++txn}`;
        const body = { messages: { '@alice:test.local': { [devA]: content } } };
        expect((await api(url, 'PUT', path, body, mallory.token)).status).toBe(200);
      };
      await toDevice('m.key.verification.request', { garbage: true });
      await toDevice('m.key.verification.start', {
        transaction_id: 'no-such-flow',
        method: 'm.sas.v1',
        from_device: 'NOPE',
      });
      await toDevice('m.key.verification.cancel', { transaction_id: 42, code: 'm.user' });
      const cancel = { transaction_id: 'no-such-flow', code: 'm.user', reason: 'x' };
      await toDevice('m.key.verification.cancel', cancel);
      const request = { msgtype: 'm.key.verification.request', body: 'not a request' };
      const odd = await sendAs(url, mallory, roomId, 'm.room.message', request);
      await sendAs(url, mallory, roomId, 'm.key.verification.ready', {
        'm.relates_to': { rel_type: 'm.reference', event_id: '$no-such-request' },
        from_device: 'NOPE',
        methods: ['m.sas.v1'],
      });
      await sendAs(url, mallory, roomId, 'm.key.verification.cancel', { code: 5 });

      const expected = [
        // Malformed to-device ones the machine drops; in-room ones it cannot parse; and ones
        // that belong to no verification.
        /crypto: ignored an invalid to-device m\.key\.verification\.request from @mallory/,
        /crypto: ignored an invalid to-device m\.key\.verification\.start from @mallory/,
        /crypto: ignored an invalid to-device m\.key\.verification\.cancel from @mallory/,
        /verification: ignored m\.key\.verification\.cancel from @mallory\S+: no verification no-such-flow/,
        new RegExp(
          `verification: ignored m\\.room\\.message from @mallory\\S+ \\(\\${odd}\\): missing`,
        ),
        /verification: ignored m\.key\.verification\.ready from @mallory\S+: no verification \$no-such-request/,
        /verification: ignored m\.key\.verification\.cancel from @mallory\S+: it names no verification/,
      ];
      await until('the log lines', () =>
        expected.every((re) => lines.some((l) => re.test(l))),
      ).catch(() => {
        throw new Error(`log lines:\n${lines.join('\n')}`);
      });
      expect(
        alice.events.since(from).events.filter((e) => e.type === 'verification.changed'),
      ).toEqual([]);

      // Still syncing: the next message arrives.
      await call(alice, 'timeline.open', { roomId, limit: 20 });
      const after = next(alice, 'timeline.appended', (e) =>
        e.data.items.some((i) => i.content.body === 'still here'),
      );
      await sendAs(url, mallory, roomId, 'm.room.message', {
        msgtype: 'm.text',
        body: 'still here',
      });
      await after;
      expect(alice.syncStatus.state).toBe('ok');
    },
    T,
  );
});
