/**
 * Identifiers: the ground floor of the shared vocabulary (types only).
 *
 * @packageDocumentation
 */

/** A Matrix user id, `@local:server`. */
export type UserId = string;
/** A Matrix room id, `!opaque:server`. */
export type RoomId = string;
/** A Matrix event id, `$opaque`. */
export type EventId = string;
