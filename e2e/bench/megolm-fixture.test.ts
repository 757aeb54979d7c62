import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';
import { expect, test } from 'vitest';
import {
  KeyDirectory,
  RECEIVER,
  SENDER,
  encryptHistory,
  memoryMachine,
  roomIds,
} from './megolm-fixture';

test('room keys reach every receiving device over Olm, a new session every 100 messages', async () => {
  const sender = await memoryMachine(SENDER, 'S');
  const receivers = [await memoryMachine(RECEIVER, 'R1'), await memoryMachine(RECEIVER, 'R2')];
  const dir = new KeyDirectory();
  const all: [wasm.OlmMachine, string, string][] = [
    [sender, SENDER, 'S'],
    [receivers[0]!, RECEIVER, 'R1'],
    [receivers[1]!, RECEIVER, 'R2'],
  ];
  for (const [olm, user, device] of all) {
    dir.add(user, device, olm);
    await dir.drive(olm, user);
  }
  await sender.updateTrackedUsers([new wasm.UserId(RECEIVER)]);
  await dir.drive(sender, SENDER);

  const [roomId] = roomIds(1);
  const events = (await encryptHistory(dir, sender, [roomId!], 250)).get(roomId!)!;
  expect(events).toHaveLength(250);
  expect(new Set(events.map((e) => e.content.session_id)).size).toBe(3);

  const settings = new wasm.DecryptionSettings(wasm.TrustRequirement.Untrusted);
  for (const olm of receivers) {
    const bodies = [];
    for (const ev of [events[0]!, events[149]!, events[249]!]) {
      const d = await olm.decryptRoomEvent(JSON.stringify(ev), new wasm.RoomId(roomId!), settings);
      bodies.push((JSON.parse(d.event) as { content: { body?: string } }).content.body);
    }
    expect(bodies.every((b) => typeof b === 'string' && b.length > 0)).toBe(true);
  }
  // A device the sender never heard of cannot read them.
  const stranger = await memoryMachine(RECEIVER, 'R3');
  await expect(
    stranger.decryptRoomEvent(JSON.stringify(events[0]), new wasm.RoomId(roomId!), settings),
  ).rejects.toBeDefined();
});
