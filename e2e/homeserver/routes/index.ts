import type { Homeserver } from '../hs';
import type { Route } from '../router';
import { accountRoutes } from './account';
import { authRoutes } from './auth';
import { controlRoutes } from './control';
import { directoryRoutes } from './directory';
import { eventRoutes } from './events';
import { historyRoutes } from './history';
import { keyRoutes } from './keys';
import { mediaRoutes } from './media';
import { roomRoutes } from './rooms';
import { syncRoutes } from './sync';

/** Every endpoint the test homeserver serves. */
export function allRoutes(): Route<Homeserver>[] {
  return [
    ...authRoutes(),
    ...roomRoutes(),
    ...directoryRoutes(),
    ...eventRoutes(),
    ...historyRoutes(),
    ...accountRoutes(),
    ...syncRoutes(),
    ...keyRoutes(),
    ...mediaRoutes(),
    ...controlRoutes(),
  ];
}
