/**
 * `/rooms/{roomId}/messages` and `/rooms/{roomId}/context/{eventId}` responses into typed pages.
 *
 * @packageDocumentation
 */
import { isObject, str, validateEvent, validateEvents, type RawEvent } from './events';
import type { Skipped } from './sync-room';

/** A `/messages` page. */
export type MessagesPage = {
  /** The `from` token it started at. */
  start?: string;
  /** Where to continue; absent when no more events exist in that direction. */
  end?: string;
  /** Events in the order of the request's `dir` (`b`: newest first). */
  chunk: RawEvent[];
  /** Member events for the senders (lazy loading). */
  state: RawEvent[];
  skipped: Skipped[];
};

/** A `/context` response. */
export type ContextPage = {
  /** Token to paginate backwards from the oldest returned event. */
  start?: string;
  /** Token to paginate forwards from the newest returned event. */
  end?: string;
  /** Events just before `event`, newest first (as the API gives them). */
  eventsBefore: RawEvent[];
  event: RawEvent;
  /** Events just after `event`, oldest first. */
  eventsAfter: RawEvent[];
  state: RawEvent[];
  skipped: Skipped[];
};

/** Thrown for a pagination response that cannot be used at all. */
export class InvalidPageResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPageResponse';
  }
}

function events(list: unknown, skipped: Skipped[], where: string): RawEvent[] {
  const { events, bad } = validateEvents(list);
  for (const b of bad) skipped.push({ ...b, reason: `${where}: ${b.reason}` });
  return events;
}

/**
 * Parses a `/messages` response; malformed events are skipped.
 *
 * @throws InvalidPageResponse when it is not an object with a `chunk` list.
 */
export function parseMessages(json: unknown): MessagesPage {
  if (!isObject(json) || !Array.isArray(json.chunk)) {
    throw new InvalidPageResponse('Invalid /messages response: no chunk');
  }
  const skipped: Skipped[] = [];
  const page: MessagesPage = {
    chunk: events(json.chunk, skipped, 'chunk'),
    state: events(json.state, skipped, 'state'),
    skipped,
  };
  const start = str(json.start);
  const end = str(json.end);
  if (start) page.start = start;
  if (end) page.end = end;
  return page;
}

/**
 * Parses a `/context` response; malformed surrounding events are skipped.
 *
 * @throws InvalidPageResponse when it is not an object or its `event` is malformed.
 */
export function parseContext(json: unknown): ContextPage {
  if (!isObject(json)) throw new InvalidPageResponse('Invalid /context response: not an object');
  const event = validateEvent(json.event);
  if (typeof event === 'string') {
    throw new InvalidPageResponse(`Invalid /context response: event ${event}`);
  }
  const skipped: Skipped[] = [];
  const page: ContextPage = {
    eventsBefore: events(json.events_before, skipped, 'events_before'),
    event,
    eventsAfter: events(json.events_after, skipped, 'events_after'),
    state: events(json.state, skipped, 'state'),
    skipped,
  };
  const start = str(json.start);
  const end = str(json.end);
  if (start) page.start = start;
  if (end) page.end = end;
  return page;
}
