import { describe, expect, it } from 'vitest';
import type { Member } from '../../src-main/ipc/contract';
import { applyCompletion, findTrigger, matchMembers } from './completion';

describe('findTrigger', () => {
  it('finds :shortcode at the caret after two characters', () => {
    expect(findTrigger('hello :smi', 10)).toEqual({
      kind: 'emoji',
      query: 'smi',
      start: 6,
      end: 10,
    });
    expect(findTrigger(':s', 2)).toBeUndefined();
    expect(findTrigger('12:30', 5)).toBeUndefined();
    expect(findTrigger('see https://x', 13)).toBeUndefined();
  });

  it('finds @mentions at a word start, even with nothing typed yet', () => {
    expect(findTrigger('hi @al', 6)).toEqual({ kind: 'mention', query: 'al', start: 3, end: 6 });
    expect(findTrigger('@', 1)).toEqual({ kind: 'mention', query: '', start: 0, end: 1 });
    expect(findTrigger('mail bob@example.org', 20)).toBeUndefined();
  });

  it('finds a /command only at the very start', () => {
    expect(findTrigger('/', 1)).toEqual({ kind: 'command', query: '', start: 0, end: 1 });
    expect(findTrigger('/to', 3)).toEqual({ kind: 'command', query: 'to', start: 0, end: 3 });
    expect(findTrigger('/topic x', 8)).toBeUndefined();
    expect(findTrigger('a /me', 5)).toBeUndefined();
    expect(findTrigger('//', 2)).toBeUndefined();
  });

  it('looks only before the caret', () => {
    expect(findTrigger('@al rest', 3)).toMatchObject({ query: 'al' });
    expect(findTrigger('@al rest', 8)).toBeUndefined();
  });
});

describe('matchMembers', () => {
  const members: Member[] = [
    { userId: '@alice:x', displayName: 'Alice', membership: 'join', powerLevel: 100 },
    { userId: '@albert:x', displayName: 'Bert', membership: 'join', powerLevel: 0 },
    { userId: '@malory:x', displayName: 'Mal Alder', membership: 'join', powerLevel: 0 },
    { userId: '@alex:x', displayName: 'Alex', membership: 'leave', powerLevel: 0 },
    { userId: '@me:x', displayName: 'Al Me', membership: 'join', powerLevel: 0 },
  ];

  it('ranks name prefixes, then id prefixes, then anything containing the query', () => {
    expect(matchMembers(members, 'al', '@me:x').map((m) => m.userId)).toEqual([
      '@alice:x',
      '@albert:x',
      '@malory:x',
    ]);
  });

  it('leaves out people who left and ourselves', () => {
    const ids = matchMembers(members, '', '@me:x').map((m) => m.userId);
    expect(ids).not.toContain('@alex:x');
    expect(ids).not.toContain('@me:x');
  });
});

describe('applying completions', () => {
  it('replaces the typed token and adds a space', () => {
    const t = findTrigger('hi @al and', 6)!;
    expect(applyCompletion('hi @al and', t, 'Alice')).toEqual({ text: 'hi Alice and', caret: 9 });
    const e = findTrigger(':smi', 4)!;
    expect(applyCompletion(':smi', e, '😄')).toEqual({ text: '😄 ', caret: 3 });
  });
});
