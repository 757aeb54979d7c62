import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, validateEvent } from './events';

const good = {
  event_id: '$e:example.org',
  type: 'm.room.message',
  sender: '@a:example.org',
  origin_server_ts: 1432735824653,
  content: { body: 'hi', msgtype: 'm.text' },
};

describe('validateEvent', () => {
  it('accepts a well-formed event and keeps only the known fields', () => {
    const v = validateEvent({
      ...good,
      room_id: '!r:example.org',
      unsigned: { age: 1 },
      state_key: '',
      extra: 1,
    });
    expect(v).toEqual({ ...good, unsigned: { age: 1 }, state_key: '' });
  });

  it.each([
    ['not an object', [good], 'event is not an object'],
    ['no event id', { ...good, event_id: undefined }, 'missing or invalid event_id'],
    ['numeric type', { ...good, type: 3 }, 'missing or invalid type'],
    ['empty sender', { ...good, sender: '' }, 'missing or invalid sender'],
    [
      'no timestamp',
      { ...good, origin_server_ts: undefined },
      'missing or invalid origin_server_ts',
    ],
    [
      'NaN-like timestamp',
      { ...good, origin_server_ts: '1' },
      'missing or invalid origin_server_ts',
    ],
    ['array content', { ...good, content: [] }, 'content is not an object'],
    ['null content', { ...good, content: null }, 'content is not an object'],
    ['numeric state_key', { ...good, state_key: 1 }, 'state_key is not a string'],
    ['string unsigned', { ...good, unsigned: 'x' }, 'unsigned is not an object'],
    ['numeric redacts', { ...good, redacts: 5 }, 'redacts is not a string'],
  ])('refuses %s', (_name, input, reason) => {
    expect(validateEvent(input)).toBe(reason);
  });

  it('refuses events larger than 64 KiB, not those just under', () => {
    const pad = (n: number) => ({ ...good, content: { body: 'é'.repeat(n) } });
    expect(validateEvent(pad(MAX_EVENT_BYTES / 2 + 10))).toMatch(/too large/);
    expect(typeof validateEvent(pad(MAX_EVENT_BYTES / 2 - 200))).toBe('object');
  });
});

describe('validateEvent on hostile nesting', () => {
  it('refuses an event nested 22,000 levels deep with a reason, without throwing', () => {
    const deep = JSON.parse(`{"x":${'['.repeat(22_000)}${']'.repeat(22_000)}}`) as object;
    expect(validateEvent({ ...good, content: deep })).toMatch(/nested more than 100 levels/);
    expect(validateEvent({ ...good, unsigned: { prev_content: deep } })).toMatch(/nested/);
  });
});
