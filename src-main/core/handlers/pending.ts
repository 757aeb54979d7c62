import type { Handlers } from '../dispatch';

type Pending =
  | 'verification.request'
  | 'verification.accept'
  | 'verification.startSas'
  | 'verification.confirm'
  | 'verification.cancel'
  | 'backup.setup'
  | 'backup.restore';

// Interim, until the verification and backup services land (same branch of work, issue 8).
const notYet = () => {
  throw Object.assign(new Error('Not available yet'), { code: 'unavailable' });
};

export function pendingHandlers(): Pick<Handlers, Pending> {
  return {
    'verification.request': notYet,
    'verification.accept': notYet,
    'verification.startSas': notYet,
    'verification.confirm': notYet,
    'verification.cancel': notYet,
    'backup.setup': notYet,
    'backup.restore': notYet,
  };
}
