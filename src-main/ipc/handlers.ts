import type { Handlers } from './dispatch';

/** What the command handlers need from the process around them. */
export type HandlerDeps = {
  appVersion: string;
};

/** The command handlers. Thin: each one delegates to a service once there are services. */
export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    'app.version': () => ({ version: deps.appVersion }),
  };
}
