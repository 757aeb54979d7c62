import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { relayEvents, serveCommands } from './electron/ipc-main';
import { createMainWindow, type WindowSources } from './electron/main-window';
import { safeStorageWrapper } from './electron/safe-storage';
import { startCoreWorker } from './worker/core-client';

// Paths are relative to the built entry, out/main/index.js.
const sources: WindowSources = {
  preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
  rendererPath: join(import.meta.dirname, '../renderer/index.html'),
  // Set by `electron-vite dev` only; a packaged app always loads its built files.
  devServerUrl: app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'],
};

// The core (sync, storage, crypto) runs in a worker thread, started at once so it loads while
// Electron gets ready; the window only shows and asks. Its secrets (access tokens, crypto store
// keys) are encrypted by the OS keychain, which only this thread can reach and only once the
// app is ready: the core opens its accounts then.
const core = startCoreWorker({
  entry: join(import.meta.dirname, 'core-worker.js'),
  options: { dataDir: app.getPath('userData'), appVersion: app.getVersion() },
  secretWrapper: app.whenReady().then(() => safeStorageWrapper()),
});

function openWindow(): void {
  relayEvents(core, createMainWindow(sources));
}

void app.whenReady().then(() => {
  serveCommands(core, sources.devServerUrl);
  openWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Let the core finish its writes and close its databases before the process ends.
let coreClosed = false;
app.on('before-quit', (event) => {
  if (coreClosed) return;
  event.preventDefault();
  void core.close().finally(() => {
    coreClosed = true;
    app.quit();
  });
});
