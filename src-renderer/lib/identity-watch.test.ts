import { describe, expect, it } from 'vitest';
import type { Member } from '../../src-main/ipc/contract';
import { item } from '../testing/timeline-fixtures';
import { usersToWatch } from './identity-watch';

const ME = '@me:x';
const member = (userId: string, membership: Member['membership'] = 'join'): Member => ({
  userId,
  membership,
  powerLevel: 0,
});

describe('usersToWatch', () => {
  it('checks every other joined member of a small room', () => {
    const members = [member(ME), member('@bob:x'), member('@carol:x'), member('@dan:x', 'leave')];
    expect(usersToWatch(members, [], ME)).toEqual(['@bob:x', '@carol:x']);
  });

  it('checks only senders whose messages show a changed identity in a large room', () => {
    const members = ['@a:x', '@b:x', '@c:x'].map((u) => member(u));
    const items = [
      item({ sender: '@a:x', e2ee: { state: 'decrypted', shield: 'verified' } }),
      item({ sender: '@b:x', e2ee: { state: 'decrypted', shield: 'identity_changed' } }),
      item({ sender: '@b:x', e2ee: { state: 'decrypted', shield: 'identity_changed' } }),
      item({ sender: '@c:x', e2ee: { state: 'undecryptable', reason: 'missing_key' } }),
      item({ sender: ME, e2ee: { state: 'decrypted', shield: 'identity_changed' } }),
    ];
    expect(usersToWatch(members, items, ME, 2)).toEqual(['@b:x']);
  });
});
