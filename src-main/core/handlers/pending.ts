import type { Handlers } from '../dispatch';

type Pending = 'backup.setup' | 'backup.restore';

// Interim, until the backup service lands (same branch of work, issue 8).
const notYet = () => {
  throw Object.assign(new Error('Not available yet'), { code: 'unavailable' });
};

export function pendingHandlers(): Pick<Handlers, Pending> {
  return {
    'backup.setup': notYet,
    'backup.restore': notYet,
  };
}
