import { describe, expect, it } from 'vitest';
import { dispatch, type Handlers } from './dispatch';

const handlers: Handlers = { 'app.version': () => ({ version: '1.2.3' }) };

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
    const failing: Handlers = {
      'app.version': () => {
        throw new Error('boom');
      },
    };
    const result = await dispatch(failing, { command: 'app.version', data: {} });
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
  });
});
