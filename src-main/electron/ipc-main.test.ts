import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';
import { IPC_CHANNELS } from '../ipc/channels';
import type { AppEvent } from '../ipc/contract';
import type { HostedCore } from '../ipc/core-api';
import { EventLog } from '../services/event-log';

const handlers = new Map<string, (event: unknown, envelope: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: { handle: (channel: string, fn: never) => handlers.set(channel, fn) },
}));
const { relayEvents, serveCommands } = await import('./ipc-main');

function doubleCore(): HostedCore & { log: EventLog } {
  const log = new EventLog();
  return {
    log,
    status: 'ready',
    statusEvent: () => ({ type: 'core.status', seq: log.lastSeq, data: { status: 'ready' } }),
    handle: async (command) => ({ ok: true, value: { echoed: command } }),
    onEvent: (cb) => log.subscribe(cb),
    close: async () => {},
  };
}

const from = (url: string) => ({ senderFrame: { url } });

describe('Electron IPC transport', () => {
  it('relays commands from our own pages only, checking the envelope first', async () => {
    serveCommands(doubleCore(), 'http://localhost:5173/');
    const invoke = handlers.get(IPC_CHANNELS.invoke)!;
    const envelope = { command: 'app.version', data: {} };
    const echoed = { ok: true, value: { echoed: 'app.version' } };
    expect(await invoke(from('file:///app/out/renderer/index.html'), envelope)).toEqual(echoed);
    expect(await invoke(from('http://localhost:5173/'), envelope)).toEqual(echoed);
    for (const url of ['https://evil.example/', 'http://localhost:5174/']) {
      expect(await invoke(from(url), envelope)).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect(await invoke({ senderFrame: null }, envelope)).toMatchObject({ ok: false });
    expect(await invoke(from('file:///x'), { command: 'eval', data: {} })).toMatchObject({
      error: { code: 'unknown_command' },
    });
  });

  it('pushes events to the window, the status on every load, and stops when it closes', () => {
    const core = doubleCore();
    const sent: AppEvent[] = [];
    const webContents = Object.assign(new EventEmitter(), {
      isDestroyed: () => false,
      send: (channel: string, event: AppEvent) => {
        expect(channel).toBe(IPC_CHANNELS.event);
        sent.push(event);
      },
    });
    const win = Object.assign(new EventEmitter(), { webContents });
    relayEvents(core, win as unknown as BrowserWindow);
    core.log.push('typing.changed', { roomId: '!r:hs', userIds: [] });
    webContents.emit('did-finish-load');
    win.emit('closed');
    core.log.push('typing.changed', { roomId: '!r:hs', userIds: [] });
    expect(sent.map((e) => [e.type, e.seq])).toEqual([
      ['typing.changed', 1],
      ['core.status', 1],
    ]);
  });
});
