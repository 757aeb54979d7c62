import { createCipheriv, createHmac, hkdfSync, pbkdf2Sync, randomBytes } from 'node:crypto';
// matrix-js-sdk 37.5.0's own implementations, to check ours against (none loads a wasm).
import { deriveRecoveryKeyFromPassphrase } from 'matrix-js-sdk/lib/crypto-api/key-passphrase.js';
import {
  calculateKeyCheck as jsSdkKeyCheck,
  ServerSideSecretStorageImpl,
  type AccountDataClient,
  type SecretStorageKeyDescriptionAesV1,
} from 'matrix-js-sdk/lib/secret-storage.js';
import jsSdkDecrypt from 'matrix-js-sdk/lib/utils/decryptAESSecretStorageItem.js';
import jsSdkEncrypt from 'matrix-js-sdk/lib/utils/encryptAESSecretStorageItem.js';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodePaddedBase64, encodeUnpaddedBase64 } from './base64';
import { FormatError, type FormatErrorCode } from './errors';
import {
  calculateKeyCheck,
  checkKey,
  decryptSecret,
  deriveKeyFromPassphrase,
  deriveSecretKeys,
  encryptSecret,
  makeKeyDescription,
  makePassphraseInfo,
  SECRET_STORAGE_ALGORITHM,
} from './secret-storage';

const key32 = (): Uint8Array => new Uint8Array(randomBytes(32));
const FIXED_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
const FIXED_IV = Uint8Array.from({ length: 16 }, (_, i) => i);
const SECRET = 'a secret: é, 🔑, \u{feff}and a NUL \0 at the end';
const NAME = 'm.cross_signing.master';

async function rejection(promise: Promise<unknown>, code: FormatErrorCode): Promise<string> {
  const error = await promise.then(
    () => new Error('resolved instead of rejecting'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  expect((error as FormatError).code).toBe(code);
  return (error as FormatError).message;
}

/** js-sdk's secret storage, for its `checkKey`; that method touches no account data. */
function jsSdkSecretStorage(): ServerSideSecretStorageImpl {
  const unused = {} as AccountDataClient;
  return new ServerSideSecretStorageImpl(unused, {});
}

describe('secret storage keys (HKDF-SHA-256)', () => {
  it('derives the AES and MAC keys as RFC 5869 with 32 zero bytes of salt and the name', async () => {
    const expected = new Uint8Array(hkdfSync('sha256', FIXED_KEY, new Uint8Array(32), NAME, 64));
    const { aesKey, macKey } = await deriveSecretKeys(FIXED_KEY, NAME);
    expect(aesKey).toEqual(expected.subarray(0, 32));
    expect(macKey).toEqual(expected.subarray(32));
  });

  it('would derive the same with js-sdk’s 8 zero bytes: HMAC pads a short key with zeros', () => {
    // matrix-js-sdk salts HKDF with 8 zero bytes, not the spec's 32; both, and no salt at all
    // (RFC 5869: HashLen zeros), are the same HMAC key once padded to SHA-256's block size.
    const derive = (salt: Uint8Array): Buffer =>
      Buffer.from(hkdfSync('sha256', FIXED_KEY, salt, NAME, 64));
    expect(derive(new Uint8Array(8))).toEqual(derive(new Uint8Array(32)));
    expect(derive(new Uint8Array(0))).toEqual(derive(new Uint8Array(32)));
    expect(derive(new Uint8Array([1]))).not.toEqual(derive(new Uint8Array(32)));
  });

  it('derives different keys for different names', async () => {
    const a = await deriveSecretKeys(FIXED_KEY, 'm.megolm_backup.v1');
    const b = await deriveSecretKeys(FIXED_KEY, 'm.megolm_backup.v2');
    expect(a.aesKey).not.toEqual(b.aesKey);
  });
});

describe('encrypting and decrypting a secret', () => {
  it('is AES-CTR-256 under the derived key, with HMAC-SHA-256 over the ciphertext', async () => {
    const { aesKey, macKey } = await deriveSecretKeys(FIXED_KEY, NAME);
    const encrypted = await encryptSecret(SECRET, FIXED_KEY, NAME, { iv: FIXED_IV });
    const cipher = createCipheriv('aes-256-ctr', aesKey, FIXED_IV);
    const ciphertext = Buffer.concat([cipher.update(SECRET, 'utf8'), cipher.final()]);
    expect(encrypted).toEqual({
      iv: encodeUnpaddedBase64(FIXED_IV),
      ciphertext: encodeUnpaddedBase64(ciphertext),
      mac: encodeUnpaddedBase64(createHmac('sha256', macKey).update(ciphertext).digest()),
    });
  });

  it('writes unpadded base64 and a random IV with bit 63 clear', async () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const encrypted = await encryptSecret('x'.repeat(i), FIXED_KEY, NAME);
      for (const field of Object.values(encrypted)) expect(field).not.toContain('=');
      const iv = decodeBase64(encrypted.iv);
      expect(iv).toHaveLength(16);
      expect(iv[8]! & 0x80).toBe(0);
      ivs.add(encrypted.iv);
    }
    expect(ivs.size).toBe(100);
  });

  it('round-trips any text, empty included', async () => {
    for (const secret of [SECRET, '', 'x'.repeat(10_000)]) {
      const encrypted = await encryptSecret(secret, FIXED_KEY, NAME);
      expect(await decryptSecret(encrypted, FIXED_KEY, NAME)).toBe(secret);
    }
  });

  it('reads padded base64 too', async () => {
    const encrypted = await encryptSecret('padded', FIXED_KEY, NAME);
    const padded = Object.fromEntries(
      Object.entries(encrypted).map(([k, v]) => [k, encodePaddedBase64(decodeBase64(v))]),
    );
    expect(padded.iv).toMatch(/=$/);
    expect(await decryptSecret(padded, FIXED_KEY, NAME)).toBe('padded');
  });

  it('refuses the wrong key, the wrong name and a changed ciphertext or MAC: bad MAC', async () => {
    const encrypted = await encryptSecret(SECRET, FIXED_KEY, NAME);
    const flipped = (b64: string, index: number): string => {
      const bytes = decodeBase64(b64);
      bytes[index]! ^= 0x01;
      return encodeUnpaddedBase64(bytes);
    };
    for (const [value, key, name] of [
      [encrypted, key32(), NAME],
      [encrypted, FIXED_KEY, 'm.cross_signing.self_signing'],
      [{ ...encrypted, ciphertext: flipped(encrypted.ciphertext, 3) }, FIXED_KEY, NAME],
      [{ ...encrypted, mac: flipped(encrypted.mac, 31) }, FIXED_KEY, NAME],
    ] as const) {
      expect(await rejection(decryptSecret(value, key, name), 'bad_mac')).toMatch(
        /Cannot decrypt secret .*: bad MAC/,
      );
    }
  });

  it('says what is wrong with a malformed encrypted secret', async () => {
    const good = await encryptSecret(SECRET, FIXED_KEY, NAME);
    for (const [value, message] of [
      [null, /is not an object/],
      [[good], /is not an object/],
      ['{}', /is not an object/],
      [{ ...good, iv: undefined }, /'iv' is missing/],
      [{ ...good, ciphertext: undefined }, /'ciphertext' is missing/],
      [{ ...good, mac: 7 }, /'mac' is not a string/],
      [{ ...good, iv: 'AAAA' }, /'iv' has 3 bytes instead of 16/],
      [{ ...good, mac: good.mac.slice(0, 40) }, /'mac' has 30 bytes instead of 32/],
      [{ ...good, ciphertext: '%%%' }, /'ciphertext': Invalid base64: character "%"/],
    ] as const) {
      expect(
        await rejection(decryptSecret(value, FIXED_KEY, NAME), 'invalid_encrypted_secret'),
      ).toMatch(message);
    }
  });

  it('refuses plaintext that is not UTF-8 rather than inventing characters', async () => {
    // What an IV changed in transit can give (the MAC covers the ciphertext only): bytes that
    // pass the MAC but decrypt to something else. Here, 0xff 0xff under a valid MAC.
    const { aesKey, macKey } = await deriveSecretKeys(FIXED_KEY, NAME);
    const keystream = createCipheriv('aes-256-ctr', aesKey, FIXED_IV).update(new Uint8Array(2));
    const ciphertext = Buffer.from([keystream[0]! ^ 0xff, keystream[1]! ^ 0xff]);
    const forged = {
      iv: encodeUnpaddedBase64(FIXED_IV),
      ciphertext: encodeUnpaddedBase64(ciphertext),
      mac: encodeUnpaddedBase64(createHmac('sha256', macKey).update(ciphertext).digest()),
    };
    expect(
      await rejection(decryptSecret(forged, FIXED_KEY, NAME), 'invalid_encrypted_secret'),
    ).toMatch(/is not UTF-8/);
  });

  it('rejects arguments that break the contract', async () => {
    await rejection(encryptSecret(SECRET, new Uint8Array(0), NAME), 'invalid_argument');
    await rejection(
      encryptSecret(SECRET, FIXED_KEY, NAME, { iv: new Uint8Array(12) }),
      'invalid_argument',
    );
    await rejection(encryptSecret(42 as unknown as string, FIXED_KEY, NAME), 'invalid_argument');
  });
});

describe('agreement with matrix-js-sdk', () => {
  it('js-sdk decrypts what we encrypt', async () => {
    for (const secret of [SECRET, '', encodeUnpaddedBase64(key32())]) {
      const ours = await encryptSecret(secret, FIXED_KEY, NAME);
      expect(await jsSdkDecrypt(ours, FIXED_KEY, NAME)).toBe(secret);
    }
  });

  it('we decrypt what js-sdk encrypts (it writes padded base64)', async () => {
    for (const secret of [SECRET, '', encodeUnpaddedBase64(key32())]) {
      const key = key32();
      const theirs = await jsSdkEncrypt(secret, key, NAME);
      expect(await decryptSecret(theirs, key, NAME)).toBe(secret);
    }
  });

  it('writes the same ciphertext and MAC for the same IV', async () => {
    const theirs = await jsSdkEncrypt(SECRET, FIXED_KEY, NAME, encodePaddedBase64(FIXED_IV));
    const ours = await encryptSecret(SECRET, FIXED_KEY, NAME, { iv: FIXED_IV });
    expect(decodeBase64(ours.ciphertext)).toEqual(decodeBase64(theirs.ciphertext));
    expect(decodeBase64(ours.mac)).toEqual(decodeBase64(theirs.mac));
  });

  it('computes the same key check, and each accepts the other’s description', async () => {
    const theirs = await jsSdkKeyCheck(FIXED_KEY, encodePaddedBase64(FIXED_IV));
    const ours = await calculateKeyCheck(FIXED_KEY, FIXED_IV);
    expect(decodeBase64(ours.mac)).toEqual(decodeBase64(theirs.mac));
    const ourDescription = (await makeKeyDescription(
      FIXED_KEY,
    )) as SecretStorageKeyDescriptionAesV1;
    const { iv, mac } = await jsSdkKeyCheck(FIXED_KEY);
    const theirDescription = { algorithm: SECRET_STORAGE_ALGORITHM, iv, mac };
    const storage = jsSdkSecretStorage();
    expect(await storage.checkKey(FIXED_KEY, ourDescription)).toBe(true);
    expect(await storage.checkKey(key32(), ourDescription)).toBe(false);
    expect(await checkKey(FIXED_KEY, theirDescription)).toBe(true);
    expect(await checkKey(key32(), theirDescription)).toBe(false);
  });

  it('derives the same key from a passphrase (the spec’s example info)', async () => {
    const info = { algorithm: 'm.pbkdf2', salt: 'MmMsAlty', iterations: 100_000, bits: 256 };
    const ours = await deriveKeyFromPassphrase('correct horse battery staple', info);
    const theirs = await deriveRecoveryKeyFromPassphrase(
      'correct horse battery staple',
      info.salt,
      info.iterations,
    );
    expect(ours).toHaveLength(32);
    expect(ours).toEqual(theirs);
  });

  it('derives the same key for other bit counts and odd passphrases', async () => {
    for (const [passphrase, bits] of [
      ['', 256],
      ['pässwörd 🔑', 512],
      ['x'.repeat(500), 128],
    ] as const) {
      const ours = await deriveKeyFromPassphrase(passphrase, {
        algorithm: 'm.pbkdf2',
        salt: 'saltsalt',
        iterations: 10,
        bits,
      });
      expect(ours).toEqual(await deriveRecoveryKeyFromPassphrase(passphrase, 'saltsalt', 10, bits));
    }
  });
});

describe('key descriptions and their key check', () => {
  it('encrypts 32 zero bytes with the empty name and keeps the IV and MAC', async () => {
    const description = await makeKeyDescription(FIXED_KEY);
    expect(Object.keys(description).sort()).toEqual(['algorithm', 'iv', 'mac']);
    const { aesKey, macKey } = await deriveSecretKeys(FIXED_KEY, '');
    const iv = decodeBase64(description.iv!);
    expect(iv[8]! & 0x80).toBe(0);
    const ciphertext = createCipheriv('aes-256-ctr', aesKey, iv).update(new Uint8Array(32));
    expect(decodeBase64(description.mac!)).toEqual(
      new Uint8Array(createHmac('sha256', macKey).update(ciphertext).digest()),
    );
  });

  it('carries the name and passphrase info given', async () => {
    const passphrase = makePassphraseInfo({ iterations: 10 });
    const description = await makeKeyDescription(FIXED_KEY, { name: 'Backup', passphrase });
    expect(description).toMatchObject({
      algorithm: SECRET_STORAGE_ALGORITHM,
      name: 'Backup',
      passphrase,
    });
  });

  it('tells the right key from a wrong one', async () => {
    const description = await makeKeyDescription(FIXED_KEY);
    expect(await checkKey(FIXED_KEY, description)).toBe(true);
    expect(await checkKey(key32(), description)).toBe(false);
    const padded = { ...description, mac: encodePaddedBase64(decodeBase64(description.mac!)) };
    expect(await checkKey(FIXED_KEY, padded)).toBe(true);
  });

  it('takes any key as right when the description has no key check, as the spec says', async () => {
    expect(await checkKey(key32(), { algorithm: SECRET_STORAGE_ALGORITHM })).toBe(true);
    expect(await checkKey(key32(), { algorithm: SECRET_STORAGE_ALGORITHM, name: 'old' })).toBe(
      true,
    );
  });

  it('rejects a malformed description or another algorithm instead of answering', async () => {
    const good = await makeKeyDescription(FIXED_KEY);
    for (const [value, message] of [
      [null, /is not an object/],
      [{ iv: good.iv, mac: good.mac }, /'algorithm' is missing/],
      [
        { ...good, algorithm: 'm.secret_storage.v2' },
        /unsupported algorithm "m.secret_storage.v2"/,
      ],
      [{ ...good, iv: undefined }, /'iv' is not a string/],
      [{ ...good, iv: 'AAAA' }, /'iv' has 3 bytes/],
      [{ ...good, mac: 'not base64!' }, /'mac': Invalid base64/],
    ] as const) {
      expect(await rejection(checkKey(FIXED_KEY, value), 'invalid_key_description')).toMatch(
        message,
      );
    }
  });
});

describe('passphrases (m.pbkdf2)', () => {
  it('is PBKDF2-HMAC-SHA-512 over the UTF-8 passphrase and salt, 256 bits by default', async () => {
    const info = { algorithm: 'm.pbkdf2', salt: 'sälty', iterations: 1000 };
    const expected = pbkdf2Sync('pässphrase', 'sälty', 1000, 32, 'sha512');
    expect(await deriveKeyFromPassphrase('pässphrase', info)).toEqual(new Uint8Array(expected));
    expect(await deriveKeyFromPassphrase('pässphrase', { ...info, bits: null })).toHaveLength(32);
  });

  it('makes new passphrase info with a random 32-character salt and 500,000 iterations', () => {
    const info = makePassphraseInfo();
    expect(info).toEqual({
      algorithm: 'm.pbkdf2',
      salt: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      iterations: 500_000,
      bits: 256,
    });
    expect(makePassphraseInfo().salt).not.toBe(info.salt);
    expect(makePassphraseInfo({ iterations: 5, bits: 512 })).toMatchObject({
      iterations: 5,
      bits: 512,
    });
    expect(() => makePassphraseInfo({ iterations: 0 })).toThrow(FormatError);
  });

  it('says what is wrong with malformed passphrase info', async () => {
    const good = { algorithm: 'm.pbkdf2', salt: 'salt', iterations: 10 };
    for (const [value, message] of [
      [undefined, /is not an object/],
      [{ ...good, algorithm: 'm.argon2' }, /unsupported algorithm "m.argon2"/],
      [{ ...good, salt: undefined }, /'salt' is missing/],
      [{ ...good, salt: 5 }, /'salt' is not a string/],
      [{ ...good, iterations: 0 }, /'iterations' is not a positive integer: 0/],
      [{ ...good, iterations: 1.5 }, /'iterations' is not a positive integer: 1.5/],
      [{ ...good, iterations: '1000' }, /'iterations' is not a positive integer: "1000"/],
      [{ ...good, iterations: 2 ** 32 }, /'iterations' is more than 4294967295/],
      [{ ...good, bits: 100 }, /'bits' is not a positive multiple of 8: 100/],
      [{ ...good, bits: 0 }, /'bits' is not a positive multiple of 8: 0/],
      [{ ...good, bits: 1 << 20 }, /'bits' is more than 4096/],
    ] as const) {
      expect(
        await rejection(deriveKeyFromPassphrase('p', value), 'invalid_passphrase_info'),
      ).toMatch(message);
    }
  });

  it('runs PBKDF2 off the event loop: it keeps turning while a derivation runs', async () => {
    let done = false;
    const derivation = deriveKeyFromPassphrase('passphrase', {
      algorithm: 'm.pbkdf2',
      salt: 'salt',
      iterations: 200_000,
    }).finally(() => {
      done = true;
    });
    let turns = 0;
    await new Promise<void>((resolve) => {
      const turn = (): void => {
        if (done) return resolve();
        turns++;
        setImmediate(turn);
      };
      setImmediate(turn);
    });
    await derivation;
    // Blocking the loop, the whole derivation would fit between two turns.
    expect(turns).toBeGreaterThan(10);
  });
});
