import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { serveCommands } from './electron/ipc-main';
import { createMainWindow, type WindowSources } from './electron/main-window';
import { createHandlers } from './ipc/handlers';

// Paths are relative to the built entry, out/main/index.js.
const sources: WindowSources = {
  preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
  rendererPath: join(import.meta.dirname, '../renderer/index.html'),
  // Set by `electron-vite dev` only; a packaged app always loads its built files.
  devServerUrl: app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'],
};

void app.whenReady().then(() => {
  serveCommands(createHandlers({ appVersion: app.getVersion() }), sources.devServerUrl);
  createMainWindow(sources);

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(sources);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
