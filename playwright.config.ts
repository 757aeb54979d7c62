import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// A system Chromium (Debian's) unless CHROMIUM_PATH names another; else Playwright's own.
const executablePath =
  process.env['CHROMIUM_PATH'] ??
  (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: 'e2e/specs',
  // Kept apart from test-results/ itself, which Playwright would otherwise empty on start.
  outputDir: 'test-results/playwright-artifacts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env['CI'],
  // Waits are on state, never on time; a busy 2-core machine (CI beside another test run) can
  // take several seconds to open a room, so each wait gets that long before it fails.
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-quic',
          ],
        },
      },
    },
  ],
});
