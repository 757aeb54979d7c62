import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cryptoKeySecret,
  cryptoStoreKey,
  openFileSecretStore,
  SecretStoreDamagedError,
  SecretUnavailableError,
  type SecretWrapper,
} from './secret-store';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A secrets file path in a folder that does not exist yet. */
function freshPath(): string {
  const root = mkdtempSync(join(tmpdir(), 'secrets-'));
  dirs.push(root);
  return join(root, 'data', 'secrets.json');
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);
/** The size of each secret the kill -9 child writes (see `secret-writer-child.ts`). */
const SIZE = 16_384;
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

/** A test "OS encryption": XOR with 0x5a, counted. */
function xorWrapper(calls = { wrap: 0, unwrap: 0 }): SecretWrapper & { calls: typeof calls } {
  const xor = (b: Uint8Array) => b.map((x) => x ^ 0x5a);
  return {
    protection: 'os',
    calls,
    wrap: async (plain) => (calls.wrap++, xor(plain)),
    unwrap: async (wrapped) => (calls.unwrap++, xor(wrapped)),
  };
}

/** The entries of the file as stored: protection and the wrapped bytes. */
function stored(path: string): Record<string, { protection: string; bytes: Buffer }> {
  const { secrets } = JSON.parse(readFileSync(path, 'utf8')) as {
    secrets: Record<string, { protection: string; value: string }>;
  };
  return Object.fromEntries(
    Object.entries(secrets).map(([k, v]) => [
      k,
      { protection: v.protection, bytes: Buffer.from(v.value, 'base64') },
    ]),
  );
}

describe('file secret store', () => {
  it('keeps, replaces and deletes secrets across reopening', async () => {
    const path = freshPath();
    const store = openFileSecretStore(path);
    expect(store.protection).toBe('file');
    expect(await store.get('token:@a:x')).toBeUndefined();
    await store.delete('token:@a:x'); // nothing to delete: no error, no file
    expect(existsSync(path)).toBe(false);
    await store.set('token:@a:x', bytes('first'));
    await store.set('token:@a:x', bytes('second'));
    const binary = new Uint8Array([0, 255, 1, 0, 128]);
    await store.set('crypto-key:@a:x:DEV', binary);

    const again = openFileSecretStore(path);
    expect(text(await again.get('token:@a:x'))).toBe('second');
    expect(await again.get('crypto-key:@a:x:DEV')).toEqual(binary);
    await again.delete('token:@a:x');
    expect(await openFileSecretStore(path).get('token:@a:x')).toBeUndefined();
    expect(await openFileSecretStore(path).get('crypto-key:@a:x:DEV')).toEqual(binary);
    await expect(again.get('')).rejects.toThrow(/name/);
  });

  it('writes the file 0600 in a 0700 folder, and keeps it 0600 when rewritten', async () => {
    const path = freshPath();
    const store = openFileSecretStore(path);
    await store.set('a', bytes('1'));
    expect([mode(join(path, '..')), mode(path)]).toEqual(['700', '600']);
    chmodSync(path, 0o644); // as a careless copy might leave it
    await store.set('b', bytes('2'));
    expect(mode(path)).toBe('600');
  });

  it('never reads a torn temporary file left next to the real one', async () => {
    const path = freshPath();
    await openFileSecretStore(path).set('token:@a:x', bytes('kept'));
    const full = readFileSync(path, 'utf8');
    // What a kill -9 in the middle of the next write leaves: half a temporary file.
    writeFileSync(`${path}.0123456789ab.tmp`, full.slice(0, full.length / 2));
    const store = openFileSecretStore(path);
    expect(text(await store.get('token:@a:x'))).toBe('kept');
    await store.set('other', bytes('new'));
    const again = openFileSecretStore(path);
    expect([text(await again.get('token:@a:x')), text(await again.get('other'))]).toEqual([
      'kept',
      'new',
    ]);
  });

  it('loses no secret it acknowledged when killed with -9 while writing', async () => {
    const child = fileURLToPath(new URL('../testing/secret-writer-child.ts', import.meta.url));
    const path = freshPath();
    mkdirSync(join(path, '..'));
    let acknowledged = -1;
    for (let round = 0; round < 4; round++) {
      const target = acknowledged + 8;
      const proc = spawn(process.execPath, ['--import', 'tsx', child, path], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Once the target is acknowledged, the next change in the folder (the next write
      // beginning) gets the kill: it lands in the middle of that write.
      const watcher = watch(join(path, '..'), () => {
        if (acknowledged >= target) proc.kill('SIGKILL');
      });
      await new Promise<void>((done, fail) => {
        let buffered = '';
        proc.stdout.on('data', (d: Buffer) => {
          buffered += d.toString();
          for (const m of buffered.matchAll(/^set (\d+)$/gm)) {
            acknowledged = Math.max(acknowledged, Number(m[1]));
          }
          buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
        });
        proc.on('exit', (code, signal) =>
          signal === 'SIGKILL' ? done() : fail(new Error(`child exited ${code}: ${stderr}`)),
        );
      }).finally(() => watcher.close());
      const store = openFileSecretStore(path);
      for (let i = 0; i <= acknowledged; i++) {
        expect(await store.get(`k${i}`)).toEqual(new Uint8Array(SIZE).fill(i % 251));
      }
    }
  }, 60_000);

  it('sets a damaged file aside with an error that says what is lost, then starts afresh', async () => {
    for (const damage of [
      'not json at all',
      '{"version": 1, "secrets": {"token:@a:x": {"protection": "file", "value": "dG9r',
      '{"version": 1, "secrets": {"token:@a:x": {"protection": "file", "value": "%%%"}}}',
      '{"version": 1, "secrets": {"token:@a:x": {"protection": "cloud", "value": ""}}}',
      '{"version": 1, "secrets": []}',
      '[]',
      '',
    ]) {
      const path = freshPath();
      await openFileSecretStore(path).set('other', bytes('x'));
      writeFileSync(path, damage);
      const store = openFileSecretStore(path);
      const err = await store.get('token:@a:x').catch((e: unknown) => e);
      expect(err, damage).toBeInstanceOf(SecretStoreDamagedError);
      const { setAside, message } = err as SecretStoreDamagedError;
      expect(message).toMatch(/damaged.*set aside.*sign in again.*encrypted history/s);
      expect(message).toContain(setAside);
      expect(readFileSync(setAside, 'utf8')).toBe(damage);
      expect(readdirSync(join(path, '..')).filter((f) => f.includes('corrupt'))).toHaveLength(1);
      // The store goes on with a fresh file; the damaged one stays aside.
      expect(await store.get('token:@a:x')).toBeUndefined();
      await store.set('token:@a:x', bytes('new'));
      expect(text(await openFileSecretStore(path).get('token:@a:x'))).toBe('new');
      expect(readFileSync(setAside, 'utf8')).toBe(damage);
    }
  });

  it('leaves a file of a newer format alone', async () => {
    const path = freshPath();
    await openFileSecretStore(path).set('a', bytes('1'));
    const newer = '{"version": 2, "secrets": {}, "more": true}';
    writeFileSync(path, newer);
    const store = openFileSecretStore(path);
    await expect(store.get('a')).rejects.toThrow(/newer version/);
    await expect(store.set('a', bytes('2'))).rejects.toThrow(/newer version/);
    expect(readFileSync(path, 'utf8')).toBe(newer);
  });

  it('wraps every value, so the file never holds the plaintext', async () => {
    const path = freshPath();
    const wrapper = xorWrapper();
    const store = openFileSecretStore(path, wrapper);
    expect(store.protection).toBe('os');
    const secret = 'syt_plaintext_access_token_value';
    await store.set('token:@a:x', bytes(secret));
    expect(wrapper.calls).toEqual({ wrap: 1, unwrap: 0 });
    const raw = readFileSync(path, 'utf8');
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(Buffer.from(secret).toString('base64'));
    const entry = stored(path)['token:@a:x']!;
    expect(entry.protection).toBe('os');
    expect([...entry.bytes]).toEqual([...bytes(secret)].map((x) => x ^ 0x5a));

    expect(text(await openFileSecretStore(path, wrapper).get('token:@a:x'))).toBe(secret);
    expect(wrapper.calls.unwrap).toBe(1);
  });

  it('reads plain entries with a keychain, and keeps encrypted ones it cannot read', async () => {
    const path = freshPath();
    await openFileSecretStore(path).set('plain', bytes('from the harness'));
    await openFileSecretStore(path, xorWrapper()).set('wrapped', bytes('from the app'));
    // The keychain is back: both read.
    const withKeychain = openFileSecretStore(path, xorWrapper());
    expect(text(await withKeychain.get('plain'))).toBe('from the harness');
    expect(text(await withKeychain.get('wrapped'))).toBe('from the app');
    // No keychain now: the encrypted one is an error, and stays in the file.
    const before = readFileSync(path, 'utf8');
    const without = openFileSecretStore(path);
    const err = await without.get('wrapped').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect((err as Error).message).toMatch(/system keychain.*not available.*kept/);
    expect(text(await without.get('plain'))).toBe('from the harness');
    const broken: SecretWrapper = {
      ...xorWrapper(),
      unwrap: () => Promise.reject(new Error('user denied access')),
    };
    await expect(openFileSecretStore(path, broken).get('wrapped')).rejects.toThrow(
      /could not decrypt.*user denied access.*kept/,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('applies concurrent calls one after another, in call order', async () => {
    const path = freshPath();
    const store = openFileSecretStore(path, xorWrapper());
    const other = openFileSecretStore(path, xorWrapper()); // a second handle on the same file
    const writes = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? other : store).set(`k${i}`, bytes(`v${i}`)),
    );
    const deleted = store.delete('k3');
    const reread = store.get('k3');
    const replaced = other.set('k5', bytes('later'));
    await Promise.all([...writes, deleted, replaced]);
    expect(await reread).toBeUndefined();
    const names = Object.keys(stored(path));
    expect(names).toHaveLength(39);
    expect(text(await store.get('k38'))).toBe('v38');
    expect(text(await store.get('k5'))).toBe('later');
  });
});

describe('cryptoStoreKey', () => {
  it('creates a 32-byte key once, saved before it is returned, and the same after reopening', async () => {
    const path = freshPath();
    const wrapper = xorWrapper();
    const store = openFileSecretStore(path, wrapper);
    const [key, same] = await Promise.all([
      cryptoStoreKey(store, '@a:x', 'DEV'),
      cryptoStoreKey(store, '@a:x', 'DEV'),
    ]);
    expect(key).toHaveLength(32);
    expect(same).toEqual(key);
    expect(wrapper.calls.wrap).toBe(1);
    expect(stored(path)[cryptoKeySecret('@a:x', 'DEV')]?.protection).toBe('os');
    const reopened = openFileSecretStore(path, xorWrapper());
    expect(await cryptoStoreKey(reopened, '@a:x', 'DEV')).toEqual(key);
    const other = await cryptoStoreKey(reopened, '@a:x', 'DEV2');
    expect(other).toHaveLength(32);
    expect(other).not.toEqual(key);
  });

  it('refuses a stored key of the wrong size rather than replacing it', async () => {
    const store = openFileSecretStore(freshPath());
    await store.set(cryptoKeySecret('@a:x', 'DEV'), new Uint8Array(5));
    await expect(cryptoStoreKey(store, '@a:x', 'DEV')).rejects.toThrow(/5 bytes.*cannot be opened/);
    expect(await store.get(cryptoKeySecret('@a:x', 'DEV'))).toEqual(new Uint8Array(5));
  });
});
