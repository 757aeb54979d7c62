import type { Collection } from '../store';
import type { JsonObject } from '../validate';
import { redactsOf, relationOf, stateKeyOf, type Pdu, type StoredEvent } from './events';

type StateEntry = { pos: number; id: string };

/** One room's timeline and state history, rebuilt from stored events at start. */
export class Room {
  /** Events in stream order. */
  readonly timeline: StoredEvent[] = [];
  /** Current membership per user. */
  readonly members = new Map<string, string>();
  /** Child event ids by the event they relate to. */
  readonly relations = new Map<string, string[]>();
  /** Typing users and when their typing expires. */
  readonly typing = new Map<string, number>();
  typingPos = 0;
  #state = new Map<string, StateEntry[]>();

  constructor(
    readonly id: string,
    readonly version: string,
    private readonly events: Collection<StoredEvent>,
  ) {}

  /** Adds an event already given its stream position (always the highest so far). */
  append(se: StoredEvent): void {
    this.timeline.push(se);
    const { pdu } = se;
    if (pdu.state_key !== undefined) {
      const key = stateKeyOf(pdu.type, pdu.state_key);
      let hist = this.#state.get(key);
      if (!hist) this.#state.set(key, (hist = []));
      hist.push({ pos: se.pos, id: pdu.event_id });
      if (pdu.type === 'm.room.member') {
        this.members.set(pdu.state_key, String(pdu.content.membership));
      }
    }
    const rel = relationOf(pdu);
    const target = pdu.type === 'm.room.redaction' ? redactsOf(pdu) : rel?.eventId;
    if (target) {
      let list = this.relations.get(target);
      if (!list) this.relations.set(target, (list = []));
      list.push(pdu.event_id);
    }
  }

  event(id: string): StoredEvent | undefined {
    const se = this.events.get(id);
    return se && se.pdu.room_id === this.id ? se : undefined;
  }

  /** The state event id for (type, stateKey) as of stream position `pos` (inclusive). */
  stateId(type: string, stateKey: string, pos = Infinity): string | undefined {
    const hist = this.#state.get(stateKeyOf(type, stateKey));
    if (!hist) return undefined;
    let lo = 0;
    let hi = hist.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (hist[mid]!.pos <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : hist[lo - 1]!.id;
  }

  stateEvent(type: string, stateKey: string, pos = Infinity): Pdu | undefined {
    const id = this.stateId(type, stateKey, pos);
    return id ? this.events.get(id)?.pdu : undefined;
  }

  stateContent(type: string, stateKey = '', pos = Infinity): JsonObject | undefined {
    return this.stateEvent(type, stateKey, pos)?.content;
  }

  /** All state as of `pos`: state key → event id. */
  stateAt(pos = Infinity): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, hist] of this.#state) {
      if (pos === Infinity) {
        out.set(key, hist[hist.length - 1]!.id);
        continue;
      }
      const [type, sk] = key.split('\u0000') as [string, string];
      const id = this.stateId(type, sk, pos);
      if (id) out.set(key, id);
    }
    return out;
  }

  /** Membership of `userId` as of `pos` (inclusive). */
  membership(userId: string, pos = Infinity): string | undefined {
    if (pos === Infinity) return this.members.get(userId);
    const c = this.stateContent('m.room.member', userId, pos);
    return typeof c?.membership === 'string' ? c.membership : undefined;
  }

  /** Position of the last change of `userId`'s membership. */
  membershipPos(userId: string): number {
    const hist = this.#state.get(stateKeyOf('m.room.member', userId));
    return hist ? hist[hist.length - 1]!.pos : 0;
  }

  /**
   * Position where `userId`'s current membership began: profile changes (a new member event
   * with the same membership) do not move it. 0 when the user has no membership.
   */
  membershipSincePos(userId: string): number {
    const hist = this.#state.get(stateKeyOf('m.room.member', userId));
    if (!hist) return 0;
    const current = this.members.get(userId);
    let i = hist.length - 1;
    while (i > 0 && this.#membershipOf(hist[i - 1]!.id) === current) i--;
    return hist[i]!.pos;
  }

  #membershipOf(eventId: string): unknown {
    return this.events.get(eventId)?.pdu.content.membership;
  }

  joined(): string[] {
    return [...this.members].filter(([, m]) => m === 'join').map(([u]) => u);
  }

  /** Index of the first timeline event with a position above `pos`. */
  indexAfter(pos: number): number {
    let lo = 0;
    let hi = this.timeline.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeline[mid]!.pos <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get lastPos(): number {
    return this.timeline.length ? this.timeline[this.timeline.length - 1]!.pos : 0;
  }

  /** Users typing at `now` (the server's clock; expired entries left out). */
  typingUsers(now: number): string[] {
    return [...this.typing].filter(([, until]) => until > now).map(([u]) => u);
  }
}
