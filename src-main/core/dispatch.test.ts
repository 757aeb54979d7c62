import { describe, expect, it } from 'vitest';
import type { CommandName } from '../ipc/contract';
import { COMMAND_NAMES, isCommandName } from '../ipc/envelope';
import { dispatch, type Handlers } from './dispatch';

/** Handlers where only the given commands work; the rest throw. */
function handlersWith(some: Partial<Handlers>): Handlers {
  const all = Object.fromEntries(
    COMMAND_NAMES.map((name) => [
      name,
      () => {
        throw new Error(`${name} is not part of this test`);
      },
    ]),
  );
  return { ...all, ...some } as Handlers;
}

const handlers = handlersWith({ 'app.version': () => ({ version: '1.2.3' }) });

describe('dispatch', () => {
  it('runs a known command and wraps its response', async () => {
    const result = await dispatch(handlers, { command: 'app.version', data: {} });
    expect(result).toEqual({ ok: true, value: { version: '1.2.3' } });
  });

  it('rejects unknown commands and malformed envelopes as data', async () => {
    expect(await dispatch(handlers, { command: 'toString', data: {} })).toMatchObject({
      ok: false,
      error: { code: 'unknown_command' },
    });
    expect(await dispatch(handlers, null)).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
  });

  it('turns a throwing handler into an internal error without a stack', async () => {
    const failing = handlersWith({
      'app.version': () => {
        throw new Error('boom');
      },
    });
    const result = await dispatch(failing, { command: 'app.version', data: {} });
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
  });

  it('knows every command of the contract at run time, and nothing else', () => {
    const some: CommandName[] = ['app.version', 'events.since', 'timeline.open', 'typing.set'];
    for (const name of some) expect(isCommandName(name)).toBe(true);
    for (const name of ['constructor', '__proto__', 'hasOwnProperty', '', 42]) {
      expect(isCommandName(name)).toBe(false);
    }
    expect(new Set(COMMAND_NAMES).size).toBe(COMMAND_NAMES.length);
  });
});
