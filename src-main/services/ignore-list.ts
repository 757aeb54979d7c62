/**
 * The user's ignore list: global account data `m.ignored_user_list`
 * (`{ ignored_users: { "@user:server": {} } }`), read from the cache and written to the server.
 */
import type { MatrixApi } from '../net/api';
import type { JsonObject } from '../protocol/events';
import { GLOBAL } from '../storage/account-data-store';
import type { Stores } from '../storage/stores';

export const IGNORED_USER_LIST = 'm.ignored_user_list';

/** A user id as the spec's grammar allows it, loosely: `@localpart:server`, at most 255 chars. */
const USER_ID = /^@[^:\s]+:[^\s]+$/;

/** The ignored user ids in an `m.ignored_user_list` content; anything malformed is skipped. */
export function ignoredUsersOf(content: JsonObject | undefined): string[] {
  const users = content?.['ignored_users'];
  if (!users || typeof users !== 'object' || Array.isArray(users)) return [];
  return Object.keys(users).filter((u) => USER_ID.test(u));
}

type Deps = { api: MatrixApi; stores: Stores; userId: string };

/** The ignored users of the account, from the cache. */
export function ignoredUsers({ stores }: Pick<Deps, 'stores'>): string[] {
  return ignoredUsersOf(stores.accountData.get(GLOBAL, IGNORED_USER_LIST));
}

/**
 * Ignores or stops ignoring `target`, keeping the rest of the list (entries this client does not
 * understand included). The cache is updated at once so the answer reads back before sync echoes.
 */
export async function setIgnored(deps: Deps, target: string, ignored: boolean): Promise<void> {
  const { api, stores, userId } = deps;
  if (typeof target !== 'string' || target.length > 255 || !USER_ID.test(target)) {
    throw Object.assign(new Error(`“${String(target)}” is not a user id like @name:server`), {
      code: 'bad_request',
    });
  }
  if (target === userId) {
    throw Object.assign(new Error('You cannot ignore yourself'), { code: 'bad_request' });
  }
  const current = stores.accountData.get(GLOBAL, IGNORED_USER_LIST) ?? {};
  const raw = current['ignored_users'];
  const users: JsonObject =
    raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as JsonObject) } : {};
  if (ignored === target in users) return;
  if (ignored) users[target] = {};
  else delete users[target];
  const next: JsonObject = { ...current, ignored_users: users };
  await api.setAccountData(userId, IGNORED_USER_LIST, next);
  stores.accountData.set(GLOBAL, IGNORED_USER_LIST, next);
}
