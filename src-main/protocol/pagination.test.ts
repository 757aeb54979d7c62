import { describe, expect, it } from 'vitest';
import contextFixture from './fixtures/context.json';
import messagesFixture from './fixtures/messages-backwards.json';
import { InvalidPageResponse, parseContext, parseMessages } from './pagination';

describe('parseMessages', () => {
  it('keeps tokens and well-formed events in order, skipping malformed ones', () => {
    const p = parseMessages(structuredClone(messagesFixture));
    expect(p.start).toBe('t47429-4392820_219380_26003_2265');
    expect(p.end).toBe('t47409-4357353_219380_26003_2265');
    expect(p.chunk.map((e) => e.event_id)).toEqual([
      '$143273582443PhrSn:example.org',
      '$143273582443PhrSn2:example.org',
      '$143273582443PhrSn3:example.org',
    ]);
    expect(p.skipped).toHaveLength(1);
    expect(p.state).toEqual([]);
  });

  it('has no end at the start of the room, and refuses a response without chunk', () => {
    expect(parseMessages({ start: 's1', chunk: [] }).end).toBeUndefined();
    expect(() => parseMessages({ start: 's1' })).toThrow(InvalidPageResponse);
  });
});

describe('parseContext', () => {
  it('types the event, its surroundings and state', () => {
    const c = parseContext(structuredClone(contextFixture));
    expect(c.event.event_id).toBe('$f3h4d129462ha:example.com');
    expect(c.eventsBefore.map((e) => e.event_id)).toEqual(['$before1:example.org']);
    expect(c.eventsAfter.map((e) => e.event_id)).toEqual(['$after1:example.org']);
    expect([c.start, c.end]).toEqual(['t27-54_2_0_2', 't29-57_2_0_2']);
    expect(c.state.map((e) => e.type)).toEqual(['m.room.create', 'm.room.member']);
  });

  it('refuses a context whose event is malformed', () => {
    expect(() => parseContext({ event: { event_id: '$x' } })).toThrow(/event missing/);
  });
});

describe('hostile nesting in history', () => {
  const deep = () => JSON.parse(`{"x":${'['.repeat(22_000)}${']'.repeat(22_000)}}`) as object;
  const ev = (id: string, content: object) => ({
    event_id: id,
    type: 'm.room.message',
    sender: '@a:example.org',
    origin_server_ts: 1,
    content,
  });

  it('skips a deeply nested event of a page and keeps the rest', () => {
    const p = parseMessages({ chunk: [ev('$deep', deep()), ev('$ok', { body: 'ok' })] });
    expect(p.chunk.map((e) => e.event_id)).toEqual(['$ok']);
    expect(p.skipped).toEqual([{ eventId: '$deep', reason: expect.stringMatching(/nested/) }]);
  });

  it('refuses a context around a deeply nested event with a clear error', () => {
    expect(() => parseContext({ event: ev('$deep', deep()) })).toThrow(InvalidPageResponse);
  });
});
