// A child process for the kill -9 test of the secret store (secret-store.test.ts), never
// shipped: sets secret `k<i>` to 16 KiB of the byte `i % 251` for i = 0, 1, 2, … and prints
// `set <i>` once each is on disk, until the parent kills it.
//
// node --import tsx secret-writer-child.ts <secrets file>
import { openFileSecretStore } from '../storage/secret-store';

async function main(path: string): Promise<void> {
  const store = openFileSecretStore(path);
  for (let i = 0; ; i++) {
    await store.set(`k${i}`, new Uint8Array(16_384).fill(i % 251));
    process.stdout.write(`set ${i}\n`);
  }
}

const [path] = process.argv.slice(2);
if (!path) throw new Error('usage: secret-writer-child <secrets file>');
main(path).catch((err: unknown) => {
  process.stderr.write(`secret-writer-child: ${String(err)}\n`);
  process.exit(1);
});
