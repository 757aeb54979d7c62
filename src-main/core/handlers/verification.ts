import type { VerificationService } from '../../services/verification-service';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type VerificationCommands =
  | 'verification.request'
  | 'verification.accept'
  | 'verification.startSas'
  | 'verification.confirm'
  | 'verification.cancel';

/** The active account's verification, or a clear error when encryption is not running. */
function verificationOf(core: Core): VerificationService {
  const v = core.session.verification;
  if (!v)
    throw Object.assign(new Error('Encryption is not available for this account on this device'), {
      code: 'encryption_unavailable',
    });
  return v;
}

/** Interactive verification: progress comes as `verification.changed`. */
export function verificationHandlers(core: Core): Pick<Handlers, VerificationCommands> {
  const v = () => verificationOf(core);
  return {
    'verification.request': async ({ userId, deviceId }) => ({
      flowId: await v().request(userId, deviceId),
    }),
    'verification.accept': async ({ flowId }) => (await v().accept(flowId), {}),
    'verification.startSas': async ({ flowId }) => (await v().startSas(flowId), {}),
    'verification.confirm': async ({ flowId, match }) => (await v().confirm(flowId, match), {}),
    'verification.cancel': async ({ flowId }) => (await v().cancel(flowId), {}),
  };
}
