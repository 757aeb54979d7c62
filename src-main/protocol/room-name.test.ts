import { describe, expect, it } from 'vitest';
import { memberDisplayName, roomDisplayName, type RoomNameInput } from './room-name';

const base: RoomNameInput = { heroes: [], joinedCount: 1, invitedCount: 0 };
const alice = { userId: '@alice:x', displayName: 'Alice' };
const bob = { userId: '@bob:x', displayName: 'Bob' };

describe('roomDisplayName', () => {
  it('prefers m.room.name, then the canonical alias, ignoring empty ones', () => {
    expect(
      roomDisplayName({ ...base, name: 'Lobby', canonicalAlias: '#l:x', heroes: [alice] }),
    ).toBe('Lobby');
    expect(roomDisplayName({ ...base, name: '  ', canonicalAlias: '#l:x' })).toBe('#l:x');
    expect(roomDisplayName({ ...base, name: '', canonicalAlias: '' })).toBe('Empty room');
  });

  it('names by heroes when they cover every other member', () => {
    expect(roomDisplayName({ heroes: [alice], joinedCount: 2, invitedCount: 0 })).toBe('Alice');
    expect(roomDisplayName({ heroes: [alice, bob], joinedCount: 2, invitedCount: 1 })).toBe(
      'Alice and Bob',
    );
    const carol = { userId: '@carol:x', displayName: 'Carol' };
    expect(roomDisplayName({ heroes: [alice, bob, carol], joinedCount: 4, invitedCount: 0 })).toBe(
      'Alice, Bob and Carol',
    );
  });

  it('counts the members beyond the heroes as others', () => {
    expect(roomDisplayName({ heroes: [alice, bob], joinedCount: 5, invitedCount: 1 })).toBe(
      'Alice, Bob and 3 others',
    );
    expect(roomDisplayName({ heroes: [alice], joinedCount: 3, invitedCount: 0 })).toBe(
      'Alice and 1 other',
    );
  });

  it('uses the user id without a display name and disambiguates shared names', () => {
    expect(
      roomDisplayName({
        heroes: [{ userId: '@x:y' }, { userId: '@a2:x', displayName: 'Alice', ambiguous: true }],
        joinedCount: 3,
        invitedCount: 0,
      }),
    ).toBe('@x:y and Alice (@a2:x)');
  });

  it('says "Empty room" when alone, with who was there if known', () => {
    expect(roomDisplayName({ heroes: [], joinedCount: 1, invitedCount: 0 })).toBe('Empty room');
    expect(roomDisplayName({ heroes: [alice], joinedCount: 1, invitedCount: 0 })).toBe(
      'Empty room (was Alice)',
    );
    expect(roomDisplayName({ heroes: [alice, bob], joinedCount: 0, invitedCount: 0 })).toBe(
      'Empty room (was Alice and Bob)',
    );
  });

  it('names at most five heroes', () => {
    const heroes = Array.from({ length: 7 }, (_, i) => ({
      userId: `@u${i}:x`,
      displayName: `U${i}`,
    }));
    expect(roomDisplayName({ heroes, joinedCount: 8, invitedCount: 0 })).toBe(
      'U0, U1, U2, U3, U4 and 2 others',
    );
  });
});

describe('memberDisplayName', () => {
  it('follows the spec disambiguation', () => {
    expect(memberDisplayName('@a:x')).toBe('@a:x');
    expect(memberDisplayName('@a:x', ' ')).toBe('@a:x');
    expect(memberDisplayName('@a:x', 'Al')).toBe('Al');
    expect(memberDisplayName('@a:x', 'Al', true)).toBe('Al (@a:x)');
  });
});
