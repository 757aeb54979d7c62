/**
 * Cross-signing for tests of features that need it (verifying another user): the core sets it
 * up at sign-in, in the background; tests wait until it is done.
 */
import type { Core } from '../core/core';

/** Resolves once the core's active account holds its cross-signing keys (set up at sign-in). */
export async function bootstrapCrossSigning(core: Core): Promise<void> {
  for (;;) {
    const r = await core.handle('crypto.status', {});
    if (r.ok) {
      const s = r.value as { crossSigning: { privateKeysHere: boolean; problem?: string } };
      if (s.crossSigning.privateKeysHere) return;
      if (s.crossSigning.problem) throw new Error(s.crossSigning.problem);
    }
    // Waits for the next pushed status (the backup service pushes one when set-up ends).
    await new Promise<void>((resolve) => {
      const off = core.onEvent((e) => {
        if (e.type !== 'crypto.status') return;
        off();
        resolve();
      });
    });
  }
}
