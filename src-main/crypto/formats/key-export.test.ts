import { createDecipheriv, createHmac, pbkdf2Sync } from 'node:crypto';
// The app's crypto wasm (18.9.0), as the reference implementation of the file format. No
// matrix-js-sdk import in this file: js-sdk carries its own copy of the wasm.
import {
  DeviceId,
  EncryptionSettings,
  initAsync,
  OlmMachine,
  RoomId,
  UserId,
} from '@matrix-org/matrix-sdk-crypto-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, type FormatErrorCode } from './errors';
import {
  decryptKeyExport,
  DEFAULT_KEY_EXPORT_ROUNDS,
  encryptKeyExport,
  KEY_EXPORT_HEADER,
  KEY_EXPORT_TRAILER,
} from './key-export';

const ROUNDS = 1000;
const PASSPHRASE = 'pässphrase 🔑';
const JSON_TEXT = JSON.stringify([{ room_id: '!r:example.org', session_key: 'é'.repeat(50) }]);

/**
 * Published vectors: matrix-react-sdk's tests of its exporter (2017, Apache-2.0; now in
 * element-web's `MegolmExportEncryption-test.ts`). Plaintext, passphrase, file.
 */
const ELEMENT_VECTORS: [string, string, string][] = [
  [
    'plain',
    'password',
    '-----BEGIN MEGOLM SESSION DATA-----\n' +
      'AXNhbHRzYWx0c2FsdHNhbHSIiIiIiIiIiIiIiIiIiIiIAAAACmIRUW2OjZ3L2l6j9h0lHlV3M2dx\n' +
      'cissyYBxjsfsAndErh065A8=\n' +
      '-----END MEGOLM SESSION DATA-----',
  ],
  [
    'alphanumericallyalphanumericallyalphanumericallyalphanumerically',
    'SWORDFISH',
    '-----BEGIN MEGOLM SESSION DATA-----\n' +
      'AXllc3NhbHR5Z29vZG5lc3P//////////wAAAAAAAAAAAAAD6OIW+Je7gwvjd4kYrb+49gKCfExw\n' +
      'MgJBMD4mrhLkmgAngwR1pHjbWXaoGybtiAYr0moQ93GrBQsCzPbvl82rZhaXO3iH5uHo/RCEpOqp\n' +
      'Pgg29363BGR+/Ripq/VCLKGNbw==\n' +
      '-----END MEGOLM SESSION DATA-----',
  ],
];

async function rejection(promise: Promise<unknown>, code: FormatErrorCode): Promise<string> {
  const error = await promise.then(
    () => new Error('resolved instead of rejecting'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  expect((error as FormatError).code).toBe(code);
  return (error as FormatError).message;
}

/** The body of an armoured file, decoded independently of our base64. */
function bodyOf(armoured: string): Buffer {
  const lines = armoured.split('\n');
  return Buffer.from(lines.slice(1, lines.indexOf(KEY_EXPORT_TRAILER)).join(''), 'base64');
}

/** `body` armoured as our encoder does (for files changed byte by byte). */
function armoured(body: Uint8Array): string {
  const base64 = Buffer.from(body)
    .toString('base64')
    .replace(/(.{96})/g, '$1\n');
  return `${KEY_EXPORT_HEADER}\n${base64.trimEnd()}\n${KEY_EXPORT_TRAILER}\n`;
}

describe('the key export file', () => {
  it('is laid out as the spec says (checked with node:crypto)', async () => {
    const file = await encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS });
    const body = bodyOf(file);
    expect(body[0]).toBe(0x01);
    const salt = body.subarray(1, 17);
    const iv = body.subarray(17, 33);
    expect(iv[8]! & 0x80).toBe(0);
    expect(body.readUInt32BE(33)).toBe(ROUNDS);
    const keys = pbkdf2Sync(PASSPHRASE, salt, ROUNDS, 64, 'sha512');
    const mac = createHmac('sha256', keys.subarray(32)).update(body.subarray(0, -32)).digest();
    expect(body.subarray(-32)).toEqual(mac);
    const decipher = createDecipheriv('aes-256-ctr', keys.subarray(0, 32), iv);
    expect(decipher.update(body.subarray(37, -32)).toString('utf8')).toBe(JSON_TEXT);
  });

  it('is armoured: header line, padded base64 in 96-character lines, trailer line', async () => {
    const file = await encryptKeyExport('x'.repeat(1000), PASSPHRASE, { rounds: ROUNDS });
    expect(file.startsWith(`${KEY_EXPORT_HEADER}\n`)).toBe(true);
    expect(file.endsWith(`\n${KEY_EXPORT_TRAILER}\n`)).toBe(true);
    const lines = file.split('\n').slice(1, -2);
    expect(lines.length).toBe(Math.ceil(((37 + 1000 + 32) * 4) / 3 / 96));
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^[A-Za-z0-9+/]{96}$/);
    expect(lines.at(-1)).toMatch(/^[A-Za-z0-9+/]{1,96}={0,2}$/);
    expect(lines.join('').length % 4).toBe(0);
  });

  it('round-trips, with a fresh salt and IV each time', async () => {
    for (const json of [JSON_TEXT, '[]', '', JSON.stringify(['k'.repeat(300_000)])]) {
      const file = await encryptKeyExport(json, PASSPHRASE, { rounds: ROUNDS });
      expect(await decryptKeyExport(file, PASSPHRASE)).toBe(json);
    }
    const [a, b] = await Promise.all([
      encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS }),
      encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS }),
    ]);
    expect(bodyOf(a).subarray(1, 33)).not.toEqual(bodyOf(b).subarray(1, 33));
  });

  it('uses Element Web’s 500,000 rounds unless told otherwise', async () => {
    expect(DEFAULT_KEY_EXPORT_ROUNDS).toBe(500_000);
    const file = await encryptKeyExport('[]', PASSPHRASE);
    expect(bodyOf(file).readUInt32BE(33)).toBe(500_000);
  });

  it('decrypts the published vectors', async () => {
    for (const [plain, passphrase, file] of ELEMENT_VECTORS) {
      expect(await decryptKeyExport(file, passphrase)).toBe(plain);
    }
  });

  it('reads the file however its lines were written', async () => {
    const file = await encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS });
    const base64 = bodyOf(file).toString('base64');
    for (const variant of [
      file.replace(/\n/g, '\r\n'),
      `Exported by a client\n\n${file}\nthe end`,
      `${KEY_EXPORT_HEADER}\n${base64}\n${KEY_EXPORT_TRAILER}`, // one line, no final newline
      `  ${KEY_EXPORT_HEADER}\n${base64.replace(/(.{64})/g, '\t$1 \n')}\n${KEY_EXPORT_TRAILER}`,
      `${KEY_EXPORT_HEADER}\n${base64.replace(/=+$/, '')}\n${KEY_EXPORT_TRAILER}`,
    ]) {
      expect(await decryptKeyExport(variant, PASSPHRASE)).toBe(JSON_TEXT);
    }
  });
});

describe('a key export that is wrong', () => {
  it('fails with the wrong passphrase, never giving garbage', async () => {
    const file = await encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS });
    for (const passphrase of ['wrong', '', PASSPHRASE.normalize('NFD')]) {
      expect(await rejection(decryptKeyExport(file, passphrase), 'bad_mac')).toBe(
        'Cannot decrypt the key export: wrong passphrase, or the file was changed',
      );
    }
  });

  it('fails when any byte after the version was changed', async () => {
    const body = bodyOf(await encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS }));
    // Salt, IV, the low byte of the rounds, the ciphertext's ends, and the MAC's ends.
    for (const index of [
      1,
      16,
      17,
      32,
      36,
      37,
      body.length - 33,
      body.length - 32,
      body.length - 1,
    ]) {
      const changed = Buffer.from(body);
      changed[index]! ^= 0x01;
      await rejection(decryptKeyExport(armoured(changed), PASSPHRASE), 'bad_mac');
    }
    expect(await decryptKeyExport(armoured(body), PASSPHRASE)).toBe(JSON_TEXT);
  });

  it('fails on a cut-short or lengthened body', async () => {
    const body = bodyOf(await encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS }));
    await rejection(decryptKeyExport(armoured(body.subarray(0, -3)), PASSPHRASE), 'bad_mac');
    const longer = Buffer.concat([body, Buffer.from([0])]);
    await rejection(decryptKeyExport(armoured(longer), PASSPHRASE), 'bad_mac');
  });

  it('says why a file is not a key export at all', async () => {
    const file = await encryptKeyExport(JSON_TEXT, PASSPHRASE, { rounds: ROUNDS });
    const body = bodyOf(file);
    const version2 = Buffer.from(body);
    version2[0] = 2;
    const zeroRounds = Buffer.from(body);
    zeroRounds.writeUInt32BE(0, 33);
    for (const [text, message] of [
      ['', /no "-----BEGIN MEGOLM SESSION DATA-----" line/],
      [JSON_TEXT, /no "-----BEGIN MEGOLM SESSION DATA-----" line/],
      [
        file.slice(0, file.indexOf(KEY_EXPORT_TRAILER)),
        /no "-----END .*" line \(is it cut short\?\)/,
      ],
      [file.replace(/\n[A-Za-z0-9]/, '\n!'), /Invalid base64: character "!" at position 0/],
      [
        `${KEY_EXPORT_HEADER}\n${KEY_EXPORT_TRAILER}\n`,
        /it has 0 bytes, fewer than any key export/,
      ],
      [armoured(body.subarray(0, 68)), /it has 68 bytes/],
      [armoured(version2), /its version is 2; only version 1 exists/],
      [armoured(zeroRounds), /its round count is 0/],
    ] as const) {
      const reason = await rejection(decryptKeyExport(text, PASSPHRASE), 'invalid_key_export');
      expect(reason).toMatch(/^Not a valid key export file: /);
      expect(reason).toMatch(message);
    }
  });

  it('refuses rounds no PBKDF2 takes', async () => {
    for (const rounds of [0, -1, 1.5, 2 ** 32]) {
      await rejection(encryptKeyExport('[]', PASSPHRASE, { rounds }), 'invalid_argument');
    }
  });
});

describe('agreement with the crypto wasm (matrix-sdk-crypto 18.9.0)', () => {
  // wasm-bindgen values are moved into the calls that take them: a new one for each call.
  const alice = (): UserId => new UserId('@alice:example.org');
  let exporter: OlmMachine;
  let importer: OlmMachine;
  let exported: string;

  beforeAll(async () => {
    await initAsync();
    exporter = await OlmMachine.initialize(alice(), new DeviceId('EXPORTER'));
    importer = await OlmMachine.initialize(alice(), new DeviceId('IMPORTER'));
    // A room key of its own: an outbound Megolm session gives the sender its inbound half.
    await exporter.updateTrackedUsers([alice()]);
    await exporter.shareRoomKey(
      new RoomId('!room:example.org'),
      [alice()],
      new EncryptionSettings(),
    );
    exported = await exporter.exportRoomKeys(() => true);
  });

  afterAll(() => {
    exporter?.close();
    importer?.close();
  });

  it('exports a real room key to work with', () => {
    const keys = JSON.parse(exported) as { room_id: string; session_key: string }[];
    expect(keys).toHaveLength(1);
    expect(keys[0]!.room_id).toBe('!room:example.org');
  });

  it('the wasm decrypts our file, and imports what we decrypt', async () => {
    const ours = await encryptKeyExport(exported, PASSPHRASE, { rounds: ROUNDS });
    expect(OlmMachine.decryptExportedRoomKeys(ours, PASSPHRASE)).toBe(exported);
    expect(() => OlmMachine.decryptExportedRoomKeys(ours, 'wrong')).toThrow(/MAC/);
    const result = await importer.importExportedRoomKeys(
      await decryptKeyExport(ours, PASSPHRASE),
      () => undefined,
    );
    expect([result.importedCount, result.totalCount]).toEqual([1, 1]);
  });

  it('we decrypt the wasm’s file (one long line, no final newline)', async () => {
    const theirs = OlmMachine.encryptExportedRoomKeys(exported, PASSPHRASE, ROUNDS);
    expect(theirs.split('\n')).toHaveLength(3);
    expect(await decryptKeyExport(theirs, PASSPHRASE)).toBe(exported);
    await rejection(decryptKeyExport(theirs, 'wrong'), 'bad_mac');
  });
});
