import type { Handlers } from '../dispatch';

type Pending =
  | 'verification.request'
  | 'verification.accept'
  | 'verification.startSas'
  | 'verification.confirm'
  | 'verification.cancel';

// Interim, until the verification service lands (same branch of work, issue 8).
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
  };
}
