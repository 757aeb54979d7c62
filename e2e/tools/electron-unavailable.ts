// Unit tests resolve `electron` here instead of the real package, whose entry point tries to
// download the Electron binary. A test that needs Electron APIs must `vi.mock('electron', ...)`.
throw new Error(
  "The 'electron' module is not available in unit tests; mock it with vi.mock('electron', () => ({ ... }))",
);
