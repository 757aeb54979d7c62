// A child process for the crypto store tests (storage/idb/crypto-store.test.ts), never shipped:
// opens the real OlmMachine (crypto wasm 18.9.0) on a persistent IndexedDB in <dir> (one SQLite
// file per store name), does <command>, and prints `result <json>`: the identity keys, the
// number of room keys, and what the command returns.
//
//   identity               nothing more
//   import <keys.json>     imports the exported room keys in the file; prints `writing` once
//                          the import's write transaction has saved half of them (uncommitted)
//   decrypt <events.json>  decrypts `[roomId, event][]`, returns the plaintext bodies (or errors)
//
// node --import tsx crypto-store-child.ts <dir> <storeKeyHex> <command> [file]
import * as sdk from '@matrix-org/matrix-sdk-crypto-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteIndexedDB, installIndexedDB } from '../storage/idb';

const [dir, keyHex, command, file] = process.argv.slice(2);
if (!dir || !keyHex || !command)
  throw new Error('usage: crypto-store-child <dir> <key> <command> [file]');

/** Prints `writing` when the `n`th record of `store` was written (inside its transaction). */
function reportWrites(store: string, n: number): void {
  const proto = (
    globalThis as unknown as { IDBObjectStore: { prototype: Record<string, unknown> } }
  ).IDBObjectStore.prototype;
  type Request = { addEventListener(type: string, f: () => void): void };
  const put = proto.put as (this: { name: string }, ...args: unknown[]) => Request;
  let seen = 0;
  proto.put = function (this: { name: string }, ...args: unknown[]) {
    const request = put.apply(this, args);
    if (this.name === store && ++seen === n) {
      request.addEventListener('success', () => process.stdout.write('writing\n'));
    }
    return request;
  };
}

async function run(machine: sdk.OlmMachine): Promise<unknown> {
  if (command === 'identity') return null;
  if (command === 'import') {
    const keys = JSON.parse(readFileSync(file!, 'utf8')) as unknown[];
    reportWrites('inbound_group_sessions3', Math.ceil(keys.length / 2));
    const result = await machine.importExportedRoomKeys(JSON.stringify(keys), () => undefined);
    return { imported: result.importedCount };
  }
  if (command === 'decrypt') {
    const events = JSON.parse(readFileSync(file!, 'utf8')) as [string, unknown][];
    const settings = new sdk.DecryptionSettings(sdk.TrustRequirement.Untrusted);
    const bodies: string[] = [];
    for (const [roomId, event] of events) {
      try {
        const decrypted = await machine.decryptRoomEvent(
          JSON.stringify(event),
          new sdk.RoomId(roomId),
          settings,
        );
        bodies.push((JSON.parse(decrypted.event) as { content: { body: string } }).content.body);
      } catch (err) {
        const code = (err as { code?: number }).code;
        bodies.push(`error ${code === undefined ? String(err) : sdk.DecryptionErrorCode[code]}`);
      }
    }
    return { bodies };
  }
  throw new Error(`unknown command ${command}`);
}

async function main(): Promise<void> {
  const { factory, close } = createSqliteIndexedDB({
    fileFor: (name) => join(dir!, `${name.split('::')[0]}.sqlite`),
  });
  installIndexedDB(factory);
  await sdk.initAsync();
  const handle = await sdk.StoreHandle.openWithKey('account', Buffer.from(keyHex!, 'hex'));
  const machine = await sdk.OlmMachine.initFromStore(
    new sdk.UserId('@alice:example.org'),
    new sdk.DeviceId('ALICEDEVICE'),
    handle,
  );
  const result = await run(machine);
  const keys = machine.identityKeys;
  const counts = await machine.roomKeyCounts();
  const out = {
    curve25519: keys.curve25519.toBase64(),
    ed25519: keys.ed25519.toBase64(),
    roomKeys: counts.total,
    ...(result as object),
  };
  machine.close();
  close();
  process.stdout.write(`result ${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`crypto-store-child: ${String(err)}\n`);
  process.exit(1);
});
