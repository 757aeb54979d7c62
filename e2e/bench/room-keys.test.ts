import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOM_KEYS = fileURLToPath(new URL('./room-keys.ts', import.meta.url));

/**
 * Makes `count` room keys in a child process with a tiny young generation (a GC every few
 * keys), and encrypts with the last one; resolves with its output, or 'hung' after `ms`.
 */
function makeKeysInChild(count: number, ms: number): Promise<string> {
  const script = `
    const k = await import(${JSON.stringify(ROOM_KEYS)});
    const sender = k.makeSender();
    let key;
    for (let i = 0; i < ${count}; i++) key = k.makeRoomKey(sender, '!r:bench');
    const event = k.encryptedEvent(key, { msgtype: 'm.text', body: 'hi' });
    process.stdout.write('made ' + ${count} + ' ' + event.content.ciphertext.length);`;
  return new Promise((resolve, reject) => {
    const args = ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('hung');
      else if (code === 0) resolve(out);
      else reject(new Error(`exit ${code}: ${err}`));
    });
  });
}

test('20,000 room keys in a row do not deadlock Node (KeyObject export under GC)', async () => {
  // Before the keys were encoded at generation, this hung almost every time (Node 20).
  const out = await makeKeysInChild(20_000, 90_000);
  expect(out).toMatch(/^made 20000 \d+$/);
}, 120_000);
