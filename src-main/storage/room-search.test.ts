import { describe, expect, it } from 'vitest';
import { ME, member, memStores, stateEv } from '../testing/storage-fixtures';

describe('RoomSearch', () => {
  const setup = () => {
    const s = memStores();
    const state = (roomId: string, ...events: ReturnType<typeof member>[]) =>
      events.forEach((e) => s.state.setState(roomId, e));
    state(
      '!aaa:x',
      member(ME, 'join', 'Me Myself'),
      member('@jose:x', 'join', 'José Álvarez'),
      stateEv('m.room.canonical_alias', { alias: '#lobby:x', alt_aliases: ['#hall:x', 7] }),
    );
    state('!bbb:x', member(ME, 'join', 'Me Myself'), member('@carol:y', 'invite'));
    state('!ccc:x', member('@gone:x', 'leave', 'Gone Girl'));
    state('!ddd:x', stateEv('m.room.canonical_alias', { alt_aliases: 'not a list' }));
    return s;
  };

  it('matches addresses and members, folded, never ourselves or left members', () => {
    const s = setup();
    const match = (q: string) => s.roomSearch.match(q, ME).sort();
    expect(match('LOBBY')).toEqual(['!aaa:x']);
    expect(match('hall')).toEqual(['!aaa:x']);
    expect(match('alvarez')).toEqual(['!aaa:x']);
    expect(match('jose')).toEqual(['!aaa:x']);
    expect(match('carol')).toEqual(['!bbb:x']);
    expect(match('myself')).toEqual([]);
    expect(match('gone')).toEqual([]);
    expect(match('list')).toEqual([]);
    expect(match('  ')).toEqual([]);
  });

  it('leaves the server part of user ids out unless the query names one', () => {
    const s = setup();
    expect(s.roomSearch.match('x', ME)).toEqual(['!aaa:x']); // the addresses' server
    expect(s.roomSearch.match('carol:y', ME)).toEqual(['!bbb:x']);
  });

  it('answers quickly over 1,000 rooms of 20 members', () => {
    const s = memStores();
    s.db.transaction(() => {
      for (let r = 0; r < 1000; r++) {
        for (let m = 0; m < 20; m++) {
          s.state.setState(`!r${r}:x`, member(`@user${r}-${m}:x`, 'join', `Person ${r} ${m}`));
        }
      }
    })();
    const started = performance.now();
    expect(s.roomSearch.match('person 999 1', ME).length).toBeGreaterThan(0);
    expect(s.roomSearch.match('user12-3', ME)).toEqual(['!r12:x']);
    // Generous for a busy two-core machine: typically a few tens of milliseconds.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
