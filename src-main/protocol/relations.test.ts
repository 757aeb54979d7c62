import { describe, expect, it } from 'vitest';
import { newContentOf, relationOf } from './relations';

const ev = (relates: unknown, extra: Record<string, unknown> = {}) => ({
  content: { body: 'x', 'm.relates_to': relates, ...extra },
});

describe('relationOf', () => {
  it('reads reactions with their key, edits and references', () => {
    expect(relationOf(ev({ rel_type: 'm.annotation', event_id: '$t', key: '👍' }))).toEqual({
      relType: 'm.annotation',
      targetId: '$t',
      key: '👍',
    });
    expect(relationOf(ev({ rel_type: 'm.replace', event_id: '$t' }))).toEqual({
      relType: 'm.replace',
      targetId: '$t',
    });
    expect(relationOf(ev({ rel_type: 'm.reference', event_id: '$t' }))?.relType).toBe(
      'm.reference',
    );
  });

  it('reads a rich reply from m.in_reply_to', () => {
    expect(relationOf(ev({ 'm.in_reply_to': { event_id: '$parent' } }))).toEqual({
      relType: 'm.in_reply_to',
      targetId: '$parent',
      inReplyTo: '$parent',
    });
  });

  it('reads a thread with its reply parent and whether that is only a fallback', () => {
    expect(
      relationOf(
        ev({
          rel_type: 'm.thread',
          event_id: '$root',
          is_falling_back: true,
          'm.in_reply_to': { event_id: '$last' },
        }),
      ),
    ).toEqual({ relType: 'm.thread', targetId: '$root', inReplyTo: '$last', isFallingBack: true });
    expect(
      relationOf(
        ev({ rel_type: 'm.thread', event_id: '$root', 'm.in_reply_to': { event_id: '$p' } }),
      ),
    ).toEqual({ relType: 'm.thread', targetId: '$root', inReplyTo: '$p', isFallingBack: false });
  });

  it('ignores malformed or unknown relations, keeping a reply under an unknown rel_type', () => {
    expect(relationOf({ content: { body: 'x' } })).toBeUndefined();
    expect(relationOf(ev('nope'))).toBeUndefined();
    expect(relationOf(ev({ rel_type: 'm.annotation', event_id: '$t' }))).toBeUndefined();
    expect(relationOf(ev({ rel_type: 'm.replace' }))).toBeUndefined();
    expect(relationOf(ev({ rel_type: 'm.replace', event_id: '' }))).toBeUndefined();
    expect(relationOf(ev({ rel_type: 'org.example', event_id: '$t' }))).toBeUndefined();
    expect(
      relationOf(
        ev({ rel_type: 'org.example', event_id: '$t', 'm.in_reply_to': { event_id: '$p' } }),
      ),
    )?.toMatchObject({ relType: 'm.in_reply_to', targetId: '$p' });
  });

  it('reads m.new_content of an edit', () => {
    expect(
      newContentOf(
        ev({ rel_type: 'm.replace', event_id: '$t' }, { 'm.new_content': { body: 'y' } }),
      ),
    ).toEqual({
      body: 'y',
    });
    expect(newContentOf(ev({ rel_type: 'm.replace', event_id: '$t' }))).toBeUndefined();
  });
});
