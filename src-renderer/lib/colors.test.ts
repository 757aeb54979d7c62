import { describe, expect, it } from 'vitest';
import { avatarColor, nameColor, roomAvatarId } from './colors';

describe('a person’s colour', () => {
  it('is the same for the same user id, every time', () => {
    expect(avatarColor('@maya:demo.local')).toBe(avatarColor('@maya:demo.local'));
    expect(nameColor('@maya:demo.local')).toBe(nameColor('@maya:demo.local'));
  });

  it('gives the avatar and the name the same slot', () => {
    for (const id of ['@a:x', '@b:x', '@maya:demo.local', '@jonas:demo.local', '!room:x']) {
      const slot = /--avatar-(\d)/.exec(avatarColor(id))![1];
      expect(nameColor(id)).toBe(`var(--name-${slot})`);
    }
  });

  it('spreads people over the slots', () => {
    const ids = ['maya', 'jonas', 'sofia', 'kenji', 'amara', 'lucas', 'priya', 'tom'];
    const slots = new Set(ids.map((u) => avatarColor(`@${u}:demo.local`)));
    expect(slots.size).toBeGreaterThanOrEqual(4);
  });

  it('only names defined slots (0–7)', () => {
    for (let i = 0; i < 200; i++)
      expect(avatarColor(`@user${i}:x`)).toMatch(/^var\(--avatar-[0-7]\)$/);
  });
});

describe('a room’s avatar colour', () => {
  it('is the other person’s in a direct chat, so the chat shows them in their colour', () => {
    const room = { roomId: '!dm:demo.local', directUserId: '@maya:demo.local' };
    expect(avatarColor(roomAvatarId(room))).toBe(avatarColor('@maya:demo.local'));
  });

  it('is the room’s own otherwise', () => {
    expect(roomAvatarId({ roomId: '!eng:demo.local' })).toBe('!eng:demo.local');
  });
});
