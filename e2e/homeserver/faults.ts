import { badJson } from './errors';
import { isObject, type JsonObject } from './validate';

/** What an injected fault does to a matching request. */
export type FaultKind = 'error' | 'ratelimit' | 'delay' | 'drop' | 'hang';

/** A failure injected through the test control API. */
export type Fault = {
  id: number;
  kind: FaultKind;
  /** Matches when the request path starts with this. */
  pathPrefix: string;
  /** Matches only this method, when set. */
  method?: string;
  /** For `error`: the HTTP status (default 500) and errcode (default M_UNKNOWN). */
  status: number;
  errcode: string;
  /** For `ratelimit`. */
  retryAfterMs: number;
  /** For `delay`. */
  delayMs: number;
  /** How many requests it still hits; -1 for every one until cleared. */
  remaining: number;
};

const KINDS: FaultKind[] = ['error', 'ratelimit', 'delay', 'drop', 'hang'];

export class Faults {
  #list: Fault[] = [];
  #nextId = 1;

  add(spec: JsonObject): Fault {
    const kind = spec.kind;
    if (typeof kind !== 'string' || !KINDS.includes(kind as FaultKind)) {
      throw badJson(`'kind' must be one of ${KINDS.join(', ')}`);
    }
    const num = (k: string, d: number) => {
      const v = spec[k];
      if (v === undefined) return d;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw badJson(`'${k}' must be an integer`);
      return v;
    };
    const str = (k: string, d: string) => {
      const v = spec[k];
      if (v === undefined) return d;
      if (typeof v !== 'string') throw badJson(`'${k}' must be a string`);
      return v;
    };
    const fault: Fault = {
      id: this.#nextId++,
      kind: kind as FaultKind,
      pathPrefix: str('path_prefix', '/_matrix/'),
      method: isObject(spec) && typeof spec.method === 'string' ? spec.method : undefined,
      status: num('status', 500),
      errcode: str('errcode', 'M_UNKNOWN'),
      retryAfterMs: num('retry_after_ms', 1000),
      delayMs: num('delay_ms', 1000),
      remaining: num('times', 1),
    };
    this.#list.push(fault);
    return fault;
  }

  clear(): void {
    this.#list = [];
  }

  /** The first fault matching this request, counted as used. */
  take(method: string, path: string): Fault | undefined {
    const f = this.#list.find(
      (x) => path.startsWith(x.pathPrefix) && (!x.method || x.method === method),
    );
    if (!f) return undefined;
    if (f.remaining > 0 && --f.remaining === 0) this.#list = this.#list.filter((x) => x !== f);
    return f;
  }
}
