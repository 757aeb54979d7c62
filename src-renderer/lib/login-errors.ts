import type { IpcError } from '../../src-main/ipc/contract';

/** What to tell people for each error code the core gives for discovery and sign-in. */
const MESSAGES: Record<string, string> = {
  M_FORBIDDEN: 'Wrong username or password.',
  M_USER_DEACTIVATED: 'This account has been deactivated.',
  M_LIMIT_EXCEEDED: 'Too many attempts. Wait a moment, then try again.',
  M_UNKNOWN_TOKEN: 'The server ended this session. Sign in again.',
  M_INVALID_USERNAME: 'That username is not valid on this server.',
  unreachable: 'Cannot reach the server. Check the address and your connection.',
  connection: 'Cannot reach the server. Check the address and your connection.',
  timeout: 'The server took too long to answer. Try again in a moment.',
  unsupported_login: 'This server does not offer password login.',
  not_matrix: 'That address does not lead to a Matrix homeserver.',
  invalid_well_known: 'The server publishes broken discovery information.',
  insecure_homeserver: 'That homeserver is not encrypted (http://). Use its https:// address.',
  unsupported: 'This server is too old for LightMatrix.',
  disconnected: 'Lost the connection to the LightMatrix core. Try again.',
  core_failed: 'The LightMatrix core stopped. Restart the app.',
};

/** Codes whose core message is itself the clearest thing to show (it names the input). */
const SHOW_CORE_MESSAGE = new Set(['invalid_input', 'insecure_homeserver']);

/**
 * A sentence for people from an error the core gave while discovering a server or signing in.
 * Never empty: unknown codes fall back to the core's own message.
 */
export function loginErrorMessage(error: IpcError): string {
  if (SHOW_CORE_MESSAGE.has(error.code) && error.message) return error.message;
  const known = MESSAGES[error.code];
  if (known) return known;
  const detail = error.message.trim();
  return detail
    ? `Sign-in failed: ${detail}`
    : `Sign-in failed (${error.code || 'unknown error'}).`;
}
