/**
 * The shape of the demo's scripted conversations, and the helper that writes them tersely.
 */

/** One message of a scripted conversation. */
export type Line = {
  /** Localpart of the sender. */
  from: string;
  /** Markdown, as a person would type it. */
  text: string;
  /** Minutes after the previous line (default 3). */
  gap?: number;
  /** Replies to the line this many lines up (1: the one just before). */
  reply?: number;
  /** Reactions to it: key → who reacted (localparts). */
  react?: Record<string, string[]>;
  /** Its sender edits it, a minute later, to this text. */
  edit?: string;
  /** Its sender deletes it a little later. */
  redact?: boolean;
  /** An `m.emote` (`/me …`). */
  emote?: boolean;
  /** People it mentions (localparts), as pills would. */
  mention?: string[];
};

/** The scripted history of one room. */
export type Conversation = {
  /** {@link DemoRoom.key} of the room. */
  room: string;
  /** How long before the seed the last line was sent, in minutes. */
  endMinutesAgo: number;
  lines: Line[];
};

/** Writes a {@link Line}: `say('maya', 'Hello', { react: { '👋': ['tom'] } })`. */
export function say(from: string, text: string, extra: Omit<Line, 'from' | 'text'> = {}): Line {
  return { from, text, ...extra };
}
