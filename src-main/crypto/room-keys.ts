/**
 * Room keys in and out of the crypto store: the passphrase-encrypted export file (the spec's
 * "Key exports" format) both ways.
 *
 * @packageDocumentation
 */
import type { CryptoMachine } from './machine';
import { wasm } from './wasm';

/** PBKDF2 rounds of an export (what widely used clients write). */
export const EXPORT_ROUNDS = 500_000;

/** Every room key this device holds, encrypted with `passphrase`, as the armoured file text. */
export async function exportRoomKeys(
  m: CryptoMachine,
  passphrase: string,
  rounds = EXPORT_ROUNDS,
): Promise<string> {
  if (!passphrase) throw new Error('Choose a passphrase to protect the exported keys');
  const json = await m.olm.exportRoomKeys(() => true);
  return wasm.OlmMachine.encryptExportedRoomKeys(json, passphrase, rounds);
}

/** Imports the room keys of an export file; returns how many were new and how many it held. */
export async function importRoomKeys(
  m: CryptoMachine,
  data: string,
  passphrase: string,
): Promise<{ imported: number; total: number }> {
  let json: string;
  try {
    json = wasm.OlmMachine.decryptExportedRoomKeys(data, passphrase);
  } catch {
    throw Object.assign(
      new Error(
        'This file could not be decrypted: check the passphrase and that it is a key export',
      ),
      { code: 'bad_key_file' },
    );
  }
  const r = await m.olm.importExportedRoomKeys(json, () => {});
  const out = { imported: r.importedCount, total: r.totalCount };
  r.free();
  return out;
}
