import type { Core } from '../core';
import type { Handlers } from '../dispatch';
import { accountHandlers } from './accounts';
import { backupHandlers } from './backup';
import { cryptoHandlers } from './crypto';
import { messageHandlers } from './messages';
import { peopleHandlers } from './people';
import { roomMarkHandlers } from './room-marks';
import { roomHandlers } from './rooms';
import { timelineHandlers } from './timeline';
import { userHandlers } from './users';
import { verificationHandlers } from './verification';

/**
 * The command handlers, by area: thin, each one delegating to a service of the core or of the
 * active account. A command of the contract without a handler fails to compile.
 */
export function coreHandlers(core: Core): Handlers {
  return {
    ...accountHandlers(core),
    ...roomHandlers(core),
    ...timelineHandlers(core),
    ...messageHandlers(core),
    ...cryptoHandlers(core),
    ...backupHandlers(core),
    ...verificationHandlers(core),
    ...userHandlers(core),
    ...peopleHandlers(core),
    ...roomMarkHandlers(core),
  };
}
