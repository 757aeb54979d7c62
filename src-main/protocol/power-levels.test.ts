import { describe, expect, it } from 'vitest';
import {
  CREATOR_LEVEL,
  creatorsOf,
  levelsOf,
  permissionsOf,
  userLevel,
  withUserLevel,
  type PowerState,
} from './power-levels';

const ALICE = '@alice:hs';
const BOB = '@bob:hs';
const CAROL = '@carol:hs';

/** The power levels a server writes for a new private room (the spec's example shape). */
const EXAMPLE = {
  ban: 50,
  events: { 'm.room.name': 100, 'm.room.power_levels': 100 },
  events_default: 0,
  invite: 50,
  kick: 50,
  redact: 50,
  state_default: 50,
  users: { [ALICE]: 100, [BOB]: 50 },
  users_default: 0,
};

const create = (sender: string, content: Record<string, unknown> = {}) => ({
  sender,
  content: { room_version: '10', ...content },
});

describe('levels', () => {
  it('without power levels, the creator has 100 and everyone else 0; state needs 0', () => {
    const s: PowerState = { create: create(ALICE) };
    expect(userLevel(s, ALICE)).toBe(100);
    expect(userLevel(s, BOB)).toBe(0);
    expect(levelsOf(s)).toMatchObject({ stateDefault: 0, eventsDefault: 0, kick: 50, ban: 50 });
    // Anyone may then set the name (state_default 0), but only the creator may kick.
    expect(permissionsOf(s, BOB)).toMatchObject({ setName: true, invite: true, kick: false });
    expect(permissionsOf(s, ALICE)).toMatchObject({ kick: true, ban: true, redactOthers: true });
  });

  it('reads `creator` of the create content before room version 11', () => {
    expect(creatorsOf({ sender: BOB, content: { creator: ALICE, room_version: '1' } })).toEqual([
      ALICE,
    ]);
  });

  it('keys missing from the event take the schema defaults', () => {
    const s: PowerState = { powerLevels: { users: { [ALICE]: 100 } }, create: create(ALICE) };
    expect(levelsOf(s)).toMatchObject({
      usersDefault: 0,
      eventsDefault: 0,
      stateDefault: 50,
      invite: 0,
      kick: 50,
      ban: 50,
      redact: 50,
    });
    expect(permissionsOf(s, BOB)).toMatchObject({
      powerLevel: 0,
      sendMessages: true,
      setTopic: false,
      invite: true,
    });
  });

  it('users_default applies to everyone not listed', () => {
    const s: PowerState = { powerLevels: { users: { [ALICE]: 100 }, users_default: 60 } };
    expect(userLevel(s, CAROL)).toBe(60);
    expect(permissionsOf(s, CAROL)).toMatchObject({ setTopic: true, kick: true });
  });

  it('ignores values that are not integers', () => {
    const s: PowerState = {
      powerLevels: { users: { [ALICE]: '100', [BOB]: 1.5 }, kick: 'x', state_default: null },
    };
    expect(userLevel(s, ALICE)).toBe(0);
    expect(userLevel(s, BOB)).toBe(0);
    expect(levelsOf(s)).toMatchObject({ kick: 50, stateDefault: 50 });
  });

  it('room version 12 creators are above every level, also with power levels', () => {
    const s: PowerState = {
      powerLevels: { users: { [BOB]: 100 } },
      create: create(ALICE, { room_version: '12', additional_creators: [CAROL] }),
    };
    expect(userLevel(s, ALICE)).toBe(CREATOR_LEVEL);
    expect(userLevel(s, CAROL)).toBe(CREATOR_LEVEL);
    expect(userLevel(s, BOB)).toBe(100);
  });
});

describe('permissions', () => {
  const s: PowerState = { powerLevels: EXAMPLE, create: create(ALICE) };

  it('a moderator may kick, ban, delete others’ messages and set the topic, not the name', () => {
    expect(permissionsOf(s, BOB)).toEqual({
      powerLevel: 50,
      sendMessages: true,
      setName: false,
      setTopic: true,
      setAvatar: true,
      invite: true,
      kick: true,
      ban: true,
      redactOthers: true,
      changePowerLevels: false,
      enableEncryption: true,
      pin: true,
    });
  });

  it('a default member may only send', () => {
    expect(permissionsOf(s, CAROL)).toMatchObject({
      powerLevel: 0,
      sendMessages: true,
      setName: false,
      setTopic: false,
      invite: false,
      kick: false,
      ban: false,
      redactOthers: false,
      changePowerLevels: false,
      enableEncryption: false,
    });
  });

  it('per-event levels override the defaults', () => {
    const muted: PowerState = { powerLevels: { ...EXAMPLE, events: { 'm.room.message': 10 } } };
    expect(permissionsOf(muted, CAROL).sendMessages).toBe(false);
    const redactions: PowerState = {
      powerLevels: { ...EXAMPLE, events: { 'm.room.redaction': 75 } },
    };
    expect(permissionsOf(redactions, BOB).redactOthers).toBe(false);
  });
});

describe('withUserLevel', () => {
  const s: PowerState = { powerLevels: EXAMPLE, create: create(ALICE) };

  it('sets a level, keeping the rest of the event', () => {
    const next = withUserLevel(s, ALICE, CAROL, 50);
    expect(next).toEqual({ ...EXAMPLE, users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 50 } });
  });

  it('removes the entry when the level is the default', () => {
    expect(withUserLevel(s, ALICE, BOB, 0)).toEqual({ ...EXAMPLE, users: { [ALICE]: 100 } });
  });

  it('refuses in words what the authorization rules refuse', () => {
    expect(withUserLevel(s, BOB, CAROL, 50)).toMatch(/Only admins/);
    const admins: PowerState = { powerLevels: { ...EXAMPLE, users: { [ALICE]: 100, [BOB]: 100 } } };
    expect(withUserLevel(admins, ALICE, BOB, 50)).toMatch(/below your own/);
    expect(withUserLevel(s, ALICE, CAROL, 101)).toMatch(/above your own/);
    expect(withUserLevel(s, ALICE, CAROL, 1.5)).toMatch(/whole number/);
  });

  it('lets one lower one’s own level', () => {
    expect(withUserLevel(s, ALICE, ALICE, 50)).toMatchObject({ users: { [ALICE]: 50 } });
  });

  it('writes a full event when the room had none', () => {
    const bare: PowerState = { create: create(ALICE) };
    expect(withUserLevel(bare, ALICE, BOB, 50)).toMatchObject({
      users: { [ALICE]: 100, [BOB]: 50 },
      state_default: 0,
      kick: 50,
    });
  });
});
