/**
 * Restoring room keys from the server-side key backup: every session downloaded, decrypted
 * with the backup's private key, and imported as backed up (so none is uploaded again).
 * Sessions that do not decrypt or are malformed are skipped; the rest are imported.
 *
 * @packageDocumentation
 */
import { isObject, type JsonObject } from '../protocol/events';
import { CryptoError, wasmError } from './crypto-error';
import type { CryptoMachine } from './machine';
import { wasm } from './wasm';

/** How many sessions go to the machine in one import. */
const IMPORT_BATCH = 500;

/** What a restore did: sessions imported (new to this device), in the backup, and skipped. */
export type RestoreResult = { imported: number; total: number; skipped: number };

type Decrypted = { roomId: string; sessionId: string; key: JsonObject };

/** Downloads, decrypts and imports every session of backup `version` with `key` (base64). */
export async function restoreRoomKeys(
  m: CryptoMachine,
  key: string,
  version: string,
  log: (msg: string) => void = () => {},
): Promise<RestoreResult> {
  const all = await m.api.backedUpKeys(version);
  const decryptionKey = backupKey(key);
  let decrypted: Decrypted[];
  let total: number;
  try {
    ({ decrypted, total } = decryptAll(decryptionKey, all));
  } finally {
    decryptionKey.free();
  }
  let imported = 0;
  let failed = 0;
  for (let i = 0; i < decrypted.length; i += IMPORT_BATCH) {
    const r = await importBatch(m, decrypted.slice(i, i + IMPORT_BATCH), version);
    imported += r.imported;
    failed += r.failed;
  }
  const skipped = total - decrypted.length + failed;
  if (skipped) log(`crypto: ${skipped} of ${total} sessions in backup ${version} were unusable`);
  return { imported, total, skipped };
}

/** The backup's private key from its base64 secret. */
export function backupKey(key: string): wasm.BackupDecryptionKey {
  try {
    return wasm.BackupDecryptionKey.fromBase64(key);
  } catch (err) {
    throw new CryptoError('bad_secure_backup', 'The key backup key in secure backup is damaged', {
      cause: err,
    });
  }
}

/** Every session of a `GET /room_keys/keys` reply that decrypts to a usable key. */
function decryptAll(
  k: wasm.BackupDecryptionKey,
  reply: JsonObject,
): { decrypted: Decrypted[]; total: number } {
  const decrypted: Decrypted[] = [];
  let total = 0;
  const rooms = isObject(reply.rooms) ? reply.rooms : {};
  for (const [roomId, room] of Object.entries(rooms)) {
    const sessions = isObject(room) && isObject(room.sessions) ? room.sessions : {};
    const validRoom = isRoomId(roomId);
    for (const [sessionId, data] of Object.entries(sessions)) {
      total++;
      const key = validRoom ? decryptOne(k, data) : undefined;
      if (key) decrypted.push({ roomId, sessionId, key });
    }
  }
  return { decrypted, total };
}

function isRoomId(roomId: string): boolean {
  try {
    new wasm.RoomId(roomId).free();
    return true;
  } catch {
    return false;
  }
}

/** One backed-up session's key, or undefined when it does not decrypt to a usable one. */
function decryptOne(k: wasm.BackupDecryptionKey, data: unknown): JsonObject | undefined {
  if (!isObject(data) || !isObject(data.session_data)) return undefined;
  const { ephemeral, mac, ciphertext } = data.session_data;
  if (typeof ephemeral !== 'string' || typeof mac !== 'string' || typeof ciphertext !== 'string')
    return undefined;
  try {
    const key: unknown = JSON.parse(k.decryptV1(ephemeral, mac, ciphertext));
    if (!isObject(key)) return undefined;
    for (const field of ['algorithm', 'sender_key', 'session_key'])
      if (typeof key[field] !== 'string') return undefined;
    return key;
  } catch {
    return undefined;
  }
}

/** Imports one batch as backed up to `version`; returns how many were new and failed. */
async function importBatch(
  m: CryptoMachine,
  batch: Decrypted[],
  version: string,
): Promise<{ imported: number; failed: number }> {
  const byRoom = new Map<string, Map<string, JsonObject>>();
  for (const d of batch) {
    let room = byRoom.get(d.roomId);
    if (!room) byRoom.set(d.roomId, (room = new Map()));
    room.set(d.sessionId, { ...d.key, room_id: d.roomId, session_id: d.sessionId });
  }
  const keys = new Map([...byRoom].map(([roomId, s]) => [new wasm.RoomId(roomId), s]));
  let failed = 0;
  try {
    const r = await m.olm.importBackedUpRoomKeys(
      keys,
      (_progress, _total, failures) => void (failed = Number(failures)),
      version,
    );
    const imported = r.importedCount;
    r.free();
    return { imported, failed };
  } catch (err) {
    throw wasmError(err, 'importing room keys from the backup');
  }
}
