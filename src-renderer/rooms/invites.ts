import { getBridge } from '../lib/bridge';
import { focusRequests } from '../state/focus.svelte';

/**
 * Accepts (joins) or rejects (leaves) an invite; resolves to a message for people when it
 * failed. The room's new membership arrives with the next `rooms.changed`; an accepted room's
 * composer then takes the focus.
 */
export async function answerInvite(roomId: string, accept: boolean): Promise<string | undefined> {
  const bridge = getBridge();
  if (!bridge) return 'Not connected to the LightMatrix core.';
  const result = accept
    ? await bridge.invoke('rooms.join', { roomIdOrAlias: roomId })
    : await bridge.invoke('rooms.leave', { roomId });
  if (result.ok) {
    // Joined: the room opens (or stays open) with the caret in its message box.
    if (accept) focusRequests.focusComposer(roomId);
    return undefined;
  }
  return `Could not ${accept ? 'join' : 'reject the invite'}: ${result.error.message}`;
}
