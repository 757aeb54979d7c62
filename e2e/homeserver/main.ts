import { parseArgs } from 'node:util';
import { startHomeserver } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8008' },
    data: { type: 'string' },
    'server-name': { type: 'string', default: 'localhost' },
    'test-mode': { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`homeserver: bad --port ${values.port}`);
  process.exit(2);
}

const server = await startHomeserver({
  port,
  dataDir: values.data,
  serverName: values['server-name'],
  testMode: values['test-mode'],
}).catch((err: unknown) => {
  console.error(`homeserver: cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

console.log(`homeserver listening on ${server.url}`);

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
