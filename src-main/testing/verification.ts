/**
 * Helpers for verification tests: wait for a flow to reach a phase, for a core to know a
 * device, and the spec's SAS emoji table to check names against.
 */
import type { AppEventOf } from '../model/events';
import type { VerificationPhase } from '../model/e2ee';
import type { Core } from '../core/core';
import { call, next } from './core-harness';

/** The first `verification.changed` of `flowId` in `phase` pushed after `afterSeq`. */
export async function phase(
  core: Core,
  flowId: string,
  p: VerificationPhase,
  afterSeq = 0,
): Promise<AppEventOf<'verification.changed'>['data']> {
  const e = await next(
    core,
    'verification.changed',
    (ev) => ev.data.flowId === flowId && ev.data.phase === p,
    { afterSeq, timeoutMs: 30_000 },
  );
  return e.data;
}

/** Polls `check` until it gives a truthy value (state, not time: it checks every few ms). */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until `core` knows `deviceId` among `userId`'s devices. */
export function knowsDevice(core: Core, userId: string, deviceId: string) {
  return until(`${deviceId} known`, async () => {
    const u = await call(core, 'crypto.userDevices', { userId });
    return u.devices.find((d) => d.deviceId === deviceId);
  });
}

/** The spec's SAS emoji (`data-definitions/sas-emoji.json`): symbol → English name. */
export const SAS_EMOJI: Record<string, string> = Object.fromEntries(
  (
    '🐶 Dog,🐱 Cat,🦁 Lion,🐎 Horse,🦄 Unicorn,🐷 Pig,🐘 Elephant,🐰 Rabbit,🐼 Panda,' +
    '🐓 Rooster,🐧 Penguin,🐢 Turtle,🐟 Fish,🐙 Octopus,🦋 Butterfly,🌷 Flower,🌳 Tree,' +
    '🌵 Cactus,🍄 Mushroom,🌏 Globe,🌙 Moon,☁️ Cloud,🔥 Fire,🍌 Banana,🍎 Apple,' +
    '🍓 Strawberry,🌽 Corn,🍕 Pizza,🎂 Cake,❤️ Heart,😀 Smiley,🤖 Robot,🎩 Hat,👓 Glasses,' +
    '🔧 Spanner,🎅 Santa,👍 Thumbs Up,☂️ Umbrella,⌛ Hourglass,⏰ Clock,🎁 Gift,' +
    '💡 Light Bulb,📕 Book,✏️ Pencil,📎 Paperclip,✂️ Scissors,🔒 Lock,🔑 Key,🔨 Hammer,' +
    '☎️ Telephone,🏁 Flag,🚂 Train,🚲 Bicycle,✈️ Aeroplane,🚀 Rocket,🏆 Trophy,⚽ Ball,' +
    '🎸 Guitar,🎺 Trumpet,🔔 Bell,⚓ Anchor,🎧 Headphones,📁 Folder,📌 Pin'
  )
    .split(',')
    .map((pair) => {
      const i = pair.indexOf(' ');
      return [pair.slice(0, i), pair.slice(i + 1)];
    }),
);
