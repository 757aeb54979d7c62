import { describe, expect, it } from 'vitest';
import { describeState, summarizeMembers } from './describe';
import { item, member, nameOf } from '../testing/timeline-fixtures';

const words = (i: ReturnType<typeof item>, prev?: Record<string, unknown>) =>
  describeState(i, nameOf, prev)?.text;

describe('membership in words', () => {
  it('joins, leaves, invites and their refusals', () => {
    expect(words(member('@carol:x', '@carol:x', 'join', { displayname: 'Carol C' }))).toBe(
      'Carol C joined',
    );
    expect(words(member('@carol:x', '@carol:x', 'leave'), { membership: 'join' })).toBe(
      'Carol left',
    );
    expect(words(member('@alice:x', '@carol:x', 'invite'))).toBe('Alice invited Carol');
    expect(words(member('@carol:x', '@carol:x', 'leave'), { membership: 'invite' })).toBe(
      'Carol rejected the invitation',
    );
    expect(words(member('@alice:x', '@carol:x', 'leave'), { membership: 'invite' })).toBe(
      "Alice withdrew Carol's invitation",
    );
  });

  it('kicks and bans with their reasons, and unbans', () => {
    expect(
      words(member('@alice:x', '@bob:x', 'leave', { reason: 'spam' }), { membership: 'join' }),
    ).toBe('Alice removed Bob: spam');
    expect(words(member('@alice:x', '@bob:x', 'ban'))).toBe('Alice banned Bob');
    expect(words(member('@alice:x', '@bob:x', 'leave'), { membership: 'ban' })).toBe(
      'Alice unbanned Bob',
    );
  });

  it('display name and avatar changes', () => {
    const prev = { membership: 'join', displayname: 'Bob' };
    expect(words(member('@bob:x', '@bob:x', 'join', { displayname: 'Robert' }), prev)).toBe(
      'Bob changed their name to Robert',
    );
    expect(words(member('@bob:x', '@bob:x', 'join'), prev)).toBe('Bob removed their name');
    expect(
      words(member('@bob:x', '@bob:x', 'join', { displayname: 'Bob' }), { membership: 'join' }),
    ).toBe('Bob set their name to Bob');
    expect(
      words(
        member('@bob:x', '@bob:x', 'join', { displayname: 'Bob', avatar_url: 'mxc://a/b' }),
        prev,
      ),
    ).toBe('Bob changed their avatar');
  });
});

describe('room state in words', () => {
  const state = (type: string, content: Record<string, unknown>) =>
    words(item({ type, stateKey: '', content, sender: '@alice:x' }));

  it('creation, name, topic and encryption', () => {
    expect(state('m.room.create', {})).toBe('Alice created the room');
    expect(state('m.room.name', { name: 'Lobby' })).toBe('Alice changed the room name to Lobby');
    expect(state('m.room.name', {})).toBe('Alice removed the room name');
    expect(state('m.room.topic', { topic: 'Cats' })).toBe('Alice changed the topic to "Cats"');
    expect(state('m.room.topic', { topic: '' })).toBe('Alice removed the topic');
    expect(state('m.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' })).toBe(
      'Alice turned on end-to-end encryption',
    );
    expect(state('m.room.join_rules', { join_rule: 'public' })).toBe('Alice made the room public');
  });

  it('shows nothing for state it does not know, and never throws on bad content', () => {
    expect(state('org.example.thing', { a: 1 })).toBeUndefined();
    expect(state('m.room.name', { name: 12 })).toBe('Alice removed the room name');
    expect(words(item({ content: { body: 'x' } }))).toBeUndefined(); // not a state event
  });
});

describe('summarizeMembers', () => {
  it('counts what a run of membership changes did', () => {
    expect(summarizeMembers(['joined', 'joined', 'joined', 'left', 'left'])).toBe(
      '3 people joined, 2 left',
    );
    expect(summarizeMembers(['joined', 'renamed', 'renamed', 'banned'])).toBe(
      '1 person joined, 1 was banned, 2 changed their names',
    );
  });
});
