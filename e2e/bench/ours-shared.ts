/**
 * What the two LightMatrix benchmark children share: calling the core through its `handle()`
 * (the IPC boundary) and choosing the rooms whose timelines are paged.
 */
import type { CommandName, CommandRequest, CommandResponse } from '../../src-main/ipc/contract';
import type { CoreApi } from '../../src-main/ipc/core-api';

/** Rooms whose timeline pages are measured (each once). */
export const PAGED_ROOMS = 20;
/** Items per timeline page. */
export const PAGE_SIZE = 50;

/** Runs a command through the core's `handle()`; throws its error as an Error. */
export async function call<C extends CommandName>(
  core: CoreApi,
  command: C,
  req: CommandRequest<C>,
): Promise<CommandResponse<C>> {
  const res = await core.handle(command, req);
  if (!res.ok) throw new Error(`${command}: ${res.error.code}: ${res.error.message}`);
  return res.value as CommandResponse<C>;
}

/** `count` rooms spread evenly over the rooms sorted by id, the same in every process. */
export function pickRooms(roomIds: readonly string[], count = PAGED_ROOMS): string[] {
  const sorted = [...roomIds].sort();
  const n = Math.min(count, sorted.length);
  return Array.from({ length: n }, (_, i) => sorted[Math.floor((i * sorted.length) / n)]!);
}
