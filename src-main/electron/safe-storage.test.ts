import { describe, expect, it, vi } from 'vitest';

/** A stand-in for Electron's safeStorage: "encrypts" by reversing the string, after a prefix. */
const storage = {
  backend: 'gnome_libsecret',
  available: true,
  calls: [] as string[],
};
vi.mock('electron', () => ({
  safeStorage: {
    getSelectedStorageBackend: () => storage.backend,
    isAsyncEncryptionAvailable: async () => storage.available,
    encryptStringAsync: async (plain: string) => {
      storage.calls.push(`encrypt ${plain}`);
      return Buffer.from(`v11${[...plain].reverse().join('')}`);
    },
    decryptStringAsync: async (encrypted: Buffer) => {
      const text = encrypted.toString();
      if (!text.startsWith('v11')) throw new Error('Error while decrypting the ciphertext');
      return { shouldReEncrypt: false, result: [...text.slice(3)].reverse().join('') };
    },
  },
}));
const { safeStorageWrapper } = await import('./safe-storage');

function setUp(backend: string, available: boolean): void {
  Object.assign(storage, { backend, available, calls: [] });
}

describe('the safeStorage secret wrapper', () => {
  it('encrypts any bytes with the keychain, and decrypts them back', async () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      setUp('kwallet6', true);
      const wrapper = await safeStorageWrapper(() => undefined, platform);
      expect(wrapper.protection).toBe('os');
      const plain = new Uint8Array([0, 1, 127, 128, 255]);
      const wrapped = await wrapper.wrap(plain);
      expect(storage.calls).toEqual([`encrypt ${Buffer.from(plain).toString('base64')}`]);
      expect(Buffer.from(wrapped).toString().startsWith('v11')).toBe(true);
      expect(await wrapper.unwrap(wrapped)).toEqual(plain);
      await expect(wrapper.unwrap(new Uint8Array([1, 2]))).rejects.toThrow(/decrypting/);
    }
  });

  it('is the identity, saying `file`, where there is no real keychain', async () => {
    const logged: string[] = [];
    for (const [backend, available, platform] of [
      ['basic_text', true, 'linux'],
      ['unknown', true, 'linux'],
      ['gnome_libsecret', false, 'linux'],
      ['basic_text', false, 'darwin'],
    ] as const) {
      setUp(backend, available);
      const wrapper = await safeStorageWrapper((m) => logged.push(m), platform);
      expect(wrapper.protection).toBe('file');
      expect(await wrapper.wrap(new Uint8Array([7, 8]))).toEqual(new Uint8Array([7, 8]));
      expect(storage.calls).toEqual([]);
    }
    expect(logged).toHaveLength(4);
    expect(logged[0]).toMatch(/no keychain \(basic_text\)/);
  });

  it('uses the keychain on macOS whatever the Linux backend says', async () => {
    setUp('basic_text', true);
    expect((await safeStorageWrapper(() => undefined, 'darwin')).protection).toBe('os');
  });
});
