import { describe, expect, it } from 'vitest';
import type { RoomSummary } from '../../src-main/ipc/contract';
import { buildSections, filterSections, searchRooms, sectionOf } from './room-sections';

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

const titles = (rooms: RoomSummary[]) =>
  buildSections(rooms).map((s) => [s.title, s.rooms.map((r) => r.name)]);

describe('room sections', () => {
  it('puts invites first, then favourites, people, rooms and low priority', () => {
    const rooms = [
      room('!low', { tags: { 'm.lowpriority': {} } }),
      room('!dm', { isDirect: true }),
      room('!fav', { tags: { 'm.favourite': { order: 0.1 } }, isDirect: true }),
      room('!inv', { membership: 'invite', tags: { 'm.favourite': {} } }),
      room('!plain'),
    ];
    expect(titles(rooms)).toEqual([
      ['Invites', ['inv']],
      ['Favourites', ['fav']],
      ['People', ['dm']],
      ['Rooms', ['plain']],
      ['Low priority', ['low']],
    ]);
  });

  it('leaves out rooms we left or were banned from', () => {
    expect(sectionOf(room('!gone', { membership: 'leave' }))).toBeUndefined();
    expect(sectionOf(room('!banned', { membership: 'ban' }))).toBeUndefined();
    expect(
      buildSections([room('!gone', { membership: 'leave' })]).every((s) => !s.rooms.length),
    ).toBe(true);
  });

  it('sorts each section by latest activity, ties by name', () => {
    const rooms = [
      room('!old', { lastActivityTs: 1 }),
      room('!b-new', { lastActivityTs: 5 }),
      room('!a-new', { lastActivityTs: 5 }),
    ];
    expect(buildSections(rooms)[3]!.rooms.map((r) => r.name)).toEqual(['a-new', 'b-new', 'old']);
  });

  it('filters by name ignoring case and accents', () => {
    const sections = buildSections([
      room('!x', { name: 'Café Crème' }),
      room('!y', { name: 'Tea' }),
    ]);
    const hits = filterSections(sections, 'CAFE').flatMap((s) => s.rooms.map((r) => r.name));
    expect(hits).toEqual(['Café Crème']);
    expect(filterSections(sections, '  ')).toBe(sections);
  });

  it('never matches internal room ids, but keeps the rooms the core found', () => {
    const sections = buildSections([
      room('!qzvxk:example.org', { name: 'Garden' }),
      room('!other:example.org', { name: 'Tea' }),
    ]);
    const names = (hits?: ReadonlySet<string>) =>
      filterSections(sections, 'qzvxk', hits).flatMap((s) => s.rooms.map((r) => r.name));
    expect(names()).toEqual([]);
    expect(names(new Set(['!other:example.org']))).toEqual(['Tea']);
  });

  it('ranks quick-switcher matches: name start, then word start, then anywhere', () => {
    const rooms = [
      room('!1', { name: 'Big design review', lastActivityTs: 9 }),
      room('!2', { name: 'Designers', lastActivityTs: 1 }),
      room('!3', { name: 'Redesign', lastActivityTs: 5 }),
      room('!4', { name: 'Design', membership: 'leave' }),
    ];
    expect(searchRooms(rooms, 'design').map((r) => r.name)).toEqual([
      'Designers',
      'Big design review',
      'Redesign',
    ]);
    expect(searchRooms(rooms, '', 2).map((r) => r.name)).toEqual(['Big design review', 'Redesign']);
  });
});
