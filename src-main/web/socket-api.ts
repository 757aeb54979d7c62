import type { RawData, WebSocket } from 'ws';
import type { SocketReply, SocketRequest } from '../ipc/contract';
import type { HostedCore } from '../ipc/core-api';
import { relayCommand } from '../ipc/relay';

// The WebSocket speaks the same envelope as Electron IPC (see `SocketRequest` and `SocketReply`
// in the contract):
//   renderer → harness  { id, command, data }
//   harness → renderer  { id, result }  (an IpcResult)   and   { event }  (an AppEvent)
// The first message on every connection is the current `core.status` event.

/** Past this much unsent data the renderer is too slow: drop it; it reconnects and catches up. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** Serves one renderer connection until it closes. */
export function serveSocket(socket: WebSocket, core: HostedCore): void {
  const send = (reply: SocketReply): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      console.error('web: renderer too slow, dropping its connection');
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(reply));
  };

  // A bad frame (too big, invalid) makes `ws` close the connection with the right code and emit
  // 'error'; unheard, that error would crash the harness and every other window's API.
  socket.on('error', (err) => console.error(`web: closing a renderer connection: ${err.message}`));

  send({ event: core.statusEvent() });
  const unsubscribe = core.onEvent((event) => send({ event }));
  socket.on('close', unsubscribe);

  socket.on('message', (raw: RawData, isBinary: boolean) => {
    const request = isBinary ? undefined : parseRequest(raw.toString());
    if (!request) {
      socket.close(1008, 'Expected {id, command, data} as JSON text');
      return;
    }
    void relayCommand(core, { command: request.command, data: request.data }).then((result) =>
      send({ id: request.id, result }),
    );
  });
}

function parseRequest(text: string): SocketRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, command, data } = value as Partial<Record<keyof SocketRequest, unknown>>;
  if (!Number.isSafeInteger(id) || typeof command !== 'string') return undefined;
  return { id: id as number, command, data };
}
