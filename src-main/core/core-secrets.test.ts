/**
 * The access token lives in the secret store, never in the account database: through the real
 * core and the test homeserver.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import { accountDirName } from '../services/account-registry';
import { signIn, startCore, tempDir, useCleanups } from '../testing/core-harness';

const cleanup = useCleanups();

/** Whether `text` occurs in any of the account database's files (main, WAL, shared memory). */
function dbHolds(dataDir: string, userId: string, text: string): boolean {
  const db = join(dataDir, 'accounts', accountDirName(userId), 'account.sqlite');
  return ['', '-wal', '-shm'].some(
    (suffix) => existsSync(db + suffix) && readFileSync(db + suffix).includes(text),
  );
}

describe('core: the access token', () => {
  it('is not written to the account database at sign-in', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const alice = await register(hs.url, 'alice');
    const dataDir = tempDir();
    const core = await startCore(dataDir);
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');
    const ours = hs.hs.accounts.devicesOf(alice.userId).filter((d) => d.device_id !== alice.deviceId);
    expect(ours).toHaveLength(1);
    const token = ours[0]!.access_token;
    expect(dbHolds(dataDir, alice.userId, token)).toBe(false);
    await core.close();
    expect(dbHolds(dataDir, alice.userId, token)).toBe(false);
  });
});
