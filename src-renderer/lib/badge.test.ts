import { describe, expect, it } from 'vitest';
import type { RoomSummary } from '../../src-main/ipc/contract';
import { badgeCircle, badgeText, unreadTotal, windowTitle } from './badge';

function room(roomId: string, over: Partial<RoomSummary> = {}): RoomSummary {
  return {
    roomId,
    name: roomId.slice(1),
    membership: 'join',
    isDirect: false,
    isEncrypted: false,
    tags: {},
    lastActivityTs: 0,
    unread: { notifications: 0, highlights: 0 },
    markedUnread: false,
    joinedMembers: 2,
    invitedMembers: 0,
    ...over,
  };
}

describe('unread total', () => {
  it('sums the notification counts, an invite counting one', () => {
    const rooms = [
      room('!a', { unread: { notifications: 2, highlights: 0 } }),
      room('!b', { unread: { notifications: 1, highlights: 1 } }),
      room('!c'),
      room('!inv', { membership: 'invite' }),
    ];
    expect(unreadTotal(rooms)).toBe(4);
  });

  it('counts a mention without a count once, a room marked unread not at all', () => {
    const rooms = [
      room('!m', { unread: { notifications: 0, highlights: 2 } }),
      room('!u', { markedUnread: true }),
    ];
    expect(unreadTotal(rooms)).toBe(1);
  });

  it('ignores rooms the list does not show', () => {
    const rooms = [
      room('!left', { membership: 'leave', unread: { notifications: 5, highlights: 0 } }),
      room('!ban', { membership: 'ban', unread: { notifications: 1, highlights: 1 } }),
    ];
    expect(unreadTotal(rooms)).toBe(0);
  });
});

describe('window title', () => {
  it('is the plain name when nothing is unread, else carries the count', () => {
    expect(windowTitle(0)).toBe('LightMatrix');
    expect(windowTitle(3)).toBe('(3) LightMatrix');
  });
});

describe('badge', () => {
  it('caps the number at 99+', () => {
    expect(badgeText(7)).toBe('7');
    expect(badgeText(99)).toBe('99');
    expect(badgeText(100)).toBe('99+');
  });

  it('sits inside the icon, in its top right corner', () => {
    const { x, y, r } = badgeCircle(64);
    expect(x + r).toBe(64);
    expect(y - r).toBe(0);
    expect(r).toBeGreaterThan(12);
  });
});
