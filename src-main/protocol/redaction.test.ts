import { describe, expect, it } from 'vitest';
import type { RawEvent } from './events';
import { redactContent, redactEvent, redactionRules, redactsOf } from './redaction';

const state = (type: string, content: Record<string, unknown>, stateKey = ''): RawEvent => ({
  event_id: '$s',
  type,
  sender: '@a:x',
  origin_server_ts: 1,
  state_key: stateKey,
  content,
});

describe('redaction rules per room version', () => {
  it('maps room versions to rule sets', () => {
    expect(redactionRules(undefined)).toBe(1);
    expect(redactionRules('5')).toBe(5);
    expect(redactionRules('12')).toBe(11);
    expect(redactionRules('org.example.experimental')).toBe(11);
  });

  it('strips message content entirely and keeps the protocol fields', () => {
    const msg: RawEvent = {
      event_id: '$m',
      type: 'm.room.message',
      sender: '@a:x',
      origin_server_ts: 5,
      content: { body: 'secret', msgtype: 'm.text' },
      unsigned: { age: 3, transaction_id: 't1' },
    };
    const because: RawEvent = {
      event_id: '$r',
      type: 'm.room.redaction',
      sender: '@a:x',
      origin_server_ts: 6,
      content: { redacts: '$m' },
    };
    expect(redactEvent(msg, '11', because)).toEqual({
      event_id: '$m',
      type: 'm.room.message',
      sender: '@a:x',
      origin_server_ts: 5,
      content: {},
      unsigned: { redacted_because: because },
    });
  });

  it('m.room.member keeps membership; join_authorised_via_users_server from v9; signed 3pid from v11', () => {
    const c = {
      membership: 'join',
      displayname: 'Alice',
      avatar_url: 'mxc://x/y',
      join_authorised_via_users_server: '@b:x',
      third_party_invite: { display_name: 'a', signed: { token: 't' } },
    };
    expect(redactContent('m.room.member', c, '8')).toEqual({ membership: 'join' });
    expect(redactContent('m.room.member', c, '9')).toEqual({
      membership: 'join',
      join_authorised_via_users_server: '@b:x',
    });
    expect(redactContent('m.room.member', c, '11')).toEqual({
      membership: 'join',
      join_authorised_via_users_server: '@b:x',
      third_party_invite: { signed: { token: 't' } },
    });
  });

  it('m.room.create keeps creator before v11, everything from v11', () => {
    const c = { creator: '@a:x', room_version: '10', 'm.federate': false };
    expect(redactContent('m.room.create', c, '10')).toEqual({ creator: '@a:x' });
    expect(redactContent('m.room.create', c, '11')).toEqual(c);
  });

  it('m.room.join_rules keeps allow from v8', () => {
    const c = { join_rule: 'restricted', allow: [{ type: 'm.room_membership' }], x: 1 };
    expect(redactContent('m.room.join_rules', c, '7')).toEqual({ join_rule: 'restricted' });
    expect(redactContent('m.room.join_rules', c, '8')).toEqual({
      join_rule: 'restricted',
      allow: [{ type: 'm.room_membership' }],
    });
  });

  it('m.room.power_levels keeps invite from v11', () => {
    const c = { ban: 50, kick: 50, invite: 0, users: { '@a:x': 100 }, notifications: { room: 50 } };
    expect(redactContent('m.room.power_levels', c, '10')).toEqual({
      ban: 50,
      kick: 50,
      users: { '@a:x': 100 },
    });
    expect(redactContent('m.room.power_levels', c, '11')).toEqual({
      ban: 50,
      kick: 50,
      invite: 0,
      users: { '@a:x': 100 },
    });
  });

  it('m.room.aliases keeps aliases only up to v5; history visibility is kept', () => {
    expect(redactContent('m.room.aliases', { aliases: ['#a:x'] }, '5')).toEqual({
      aliases: ['#a:x'],
    });
    expect(redactContent('m.room.aliases', { aliases: ['#a:x'] }, '6')).toEqual({});
    expect(
      redactContent('m.room.history_visibility', { history_visibility: 'shared', x: 1 }, '1'),
    ).toEqual({ history_visibility: 'shared' });
  });

  it('m.room.redaction keeps content.redacts from v11, drops top-level redacts before', () => {
    const v10: RawEvent = {
      ...state('m.room.redaction', { reason: 'spam' }),
      redacts: '$x',
    };
    delete v10.state_key;
    expect(redactEvent(v10, '10')).toEqual({
      event_id: '$s',
      type: 'm.room.redaction',
      sender: '@a:x',
      origin_server_ts: 1,
      content: {},
    });
    expect(redactContent('m.room.redaction', { redacts: '$x', reason: 'r' }, '11')).toEqual({
      redacts: '$x',
    });
  });

  it('keeps state_key of a redacted state event', () => {
    expect(redactEvent(state('m.room.name', { name: 'n' }), '11').state_key).toBe('');
  });
});

describe('redactsOf', () => {
  it('reads the target in any room version, only of redactions', () => {
    const base = { type: 'm.room.redaction', content: {} };
    expect(redactsOf({ ...base, redacts: '$a' })).toBe('$a');
    expect(redactsOf({ ...base, content: { redacts: '$b' } })).toBe('$b');
    expect(redactsOf(base)).toBeUndefined();
    expect(redactsOf({ type: 'm.room.message', content: { redacts: '$b' } })).toBeUndefined();
  });
});
