/**
 * The test homeserver, as tools and tests outside `e2e/homeserver/` see it: start one
 * (`startHomeserver`, with a clock of its own if wanted), seed it (`Seeder`: users, rooms and
 * events, dated as told), and the types these take and give. Nothing outside this folder
 * imports its other modules; test helpers (a test-mode server on a free port, a JSON client)
 * are in `testing/helpers.ts`.
 */
export { startHomeserver, type RunningHomeserver, type StartOptions } from './server';
export type { Homeserver, HomeserverOptions } from './hs';
export { Seeder, type SeededEvent, type SendOptions } from './model/seeder';
export type { CreateRoomRequest, InitialState, Preset } from './model/create-room';
export type { JsonObject } from './validate';
