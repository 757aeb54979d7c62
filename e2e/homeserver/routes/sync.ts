import { MatrixError } from '../errors';
import type { Homeserver } from '../hs';
import { parseFilter, type Filter } from '../model/filters';
import { parseToken, toDevicePart } from '../model/format';
import { buildSync, type SyncRequest } from '../model/sync';
import type { Ctx, Route } from '../router';
import { queryInt } from '../validate';
import { setPresence } from './account';

function filterOf(ctx: Ctx<Homeserver>): Filter {
  const raw = ctx.query.get('filter');
  if (!raw) return {};
  if (raw.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new MatrixError(400, 'M_BAD_JSON', "'filter' is not valid JSON");
    }
    return parseFilter(parsed);
  }
  const stored = ctx.hs.accounts.filter(ctx.user.userId, raw);
  if (!stored) throw new MatrixError(400, 'M_INVALID_PARAM', 'Unknown filter id');
  return stored as Filter;
}

async function sync(ctx: Ctx<Homeserver>) {
  const { hs, query } = ctx;
  const sinceRaw = query.get('since');
  let since: number | undefined;
  let toDeviceSince: number | undefined;
  if (sinceRaw) {
    since = parseToken(sinceRaw);
    if (since === undefined)
      throw new MatrixError(400, 'M_INVALID_PARAM', "Malformed 'since' token");
    // A token from the future (e.g. after the server lost state) is treated as now.
    since = Math.min(since, hs.notifier.pos);
    const td = toDevicePart(sinceRaw);
    if (td !== undefined) toDeviceSince = Math.min(td, since);
  }
  const req: SyncRequest = {
    userId: ctx.user.userId,
    deviceId: ctx.user.deviceId,
    since,
    toDeviceSince,
    fullState: query.get('full_state') === 'true',
    filter: filterOf(ctx),
    useStateAfter: query.get('use_state_after') === 'true',
  };
  const timeout = queryInt(query, 'timeout', 0, 10 * 60_000);
  const presence = query.get('set_presence') ?? 'online';
  if (presence === 'online' || presence === 'unavailable' || presence === 'offline') {
    if (presence !== 'offline') setPresence(hs, req.userId, presence);
  } else throw new MatrixError(400, 'M_INVALID_PARAM', "Bad 'set_presence'");
  // The long-poll waits in real time, whatever the server's clock says.
  const deadline = performance.now() + timeout;
  for (;;) {
    const upTo = hs.notifier.pos;
    const res = buildSync(hs, req, upTo);
    const left = deadline - performance.now();
    if (!res.empty || req.since === undefined || req.fullState || left <= 0 || ctx.signal.aborted)
      return res.body;
    await hs.notifier.wait(left, ctx.signal);
  }
}

/** `/sync` with long-polling. */
export function syncRoutes(): Route<Homeserver>[] {
  return [{ method: 'GET', path: '/client/v3/sync', auth: 'required', handler: sync }];
}
