/**
 * Cross-signing for tests of features that need it (verifying another user), until the core
 * sets it up itself (`backup.setup`): new keys made by the account's machine and uploaded with
 * the test password.
 */
import type { Core } from '../core/core';

/** Makes and uploads cross-signing keys for the core's active account. */
export async function bootstrapCrossSigning(core: Core, password = 'secret-pw'): Promise<void> {
  const m = core.session.crypto?.machine;
  if (!m) throw new Error('no crypto machine');
  const r = await m.olm.bootstrapCrossSigning(true);
  try {
    if (r.uploadKeysRequest) await m.send(r.uploadKeysRequest);
    const body = JSON.parse(r.uploadSigningKeysRequest.body) as Record<string, unknown>;
    await m.api.signingKeysUpload(body, { userId: m.userId, password });
    await m.send(r.uploadSignaturesRequest);
  } finally {
    r.free();
  }
}
