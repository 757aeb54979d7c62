import { BrowserWindow, shell } from 'electron';

/** Where the window's content comes from. */
export type WindowSources = {
  /** Absolute path of the built CommonJS preload. */
  preloadPath: string;
  /** Absolute path of the built renderer's `index.html`. */
  rendererPath: string;
  /** The renderer dev server, when running under `electron-vite dev`. */
  devServerUrl: string | undefined;
};

/** Opens the main window, sandboxed, showing the dev server if given or else the built renderer. */
export function createMainWindow(sources: WindowSources): BrowserWindow {
  const { preloadPath, rendererPath, devServerUrl } = sources;
  const win = new BrowserWindow({
    width: 1100,
    height: 720,
    minWidth: 480,
    minHeight: 360,
    show: false,
    title: 'LightMatrix',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });

  win.once('ready-to-show', () => win.show());

  // Links open in the system browser; the window itself never navigates away.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());

  if (devServerUrl) {
    void win.loadURL(devServerUrl);
  } else {
    void win.loadFile(rendererPath);
  }
  return win;
}
