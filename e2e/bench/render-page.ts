/**
 * The render benchmarks' measurements inside Chromium: page load to a populated room list,
 * switching rooms until the newest message is painted, and the main thread's tasks while
 * scrolling a long timeline (the `longtask` PerformanceObserver, plus a trace for the exact
 * longest task, which `longtask` cannot give below 50 ms).
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

type Shown = { ms: number; rooms: number };

/**
 * The page's globals these functions use, typed here: the project's Node tsconfig has no DOM
 * library. Each page function casts `globalThis` to it (they run in the page, not here).
 */
type PageGlobals = {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): { length: number };
    body: object;
  };
  requestAnimationFrame(cb: (now: number) => void): number;
  MutationObserver: new (cb: () => void) => {
    observe(target: object, options: object): void;
    disconnect(): void;
  };
  PerformanceObserver: new (cb: (list: { getEntries(): { duration: number }[] }) => void) => {
    observe(options: { type: string }): void;
  };
  __roomList: Promise<Shown>;
  __longTasks: number[];
  __longestFrame: number;
  __frames: boolean;
};

/**
 * A fresh context at a laptop-sized window. tsx (esbuild) wraps named functions in
 * `__name(…)` calls, which travel with the functions this file runs in the page; the page gets
 * a `__name` that leaves them as they are.
 */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  return context;
}

/** Resolves in the page once the next frame has been produced: a frame, then a task after it. */
function afterPaint(delayMs: number): Promise<void> {
  const g = globalThis as unknown as PageGlobals;
  return new Promise((resolve) =>
    setTimeout(() => g.requestAnimationFrame(() => setTimeout(resolve, 0)), delayMs),
  );
}

/** Installed before the page's own scripts: resolves once the room list has rooms in it. */
export function watchRoomList(): void {
  const g = globalThis as unknown as PageGlobals;
  g.__roomList = new Promise((resolve) => {
    const check = (): void => {
      // Rows carry their room id; the list is virtualized, so only those on screen exist.
      const rooms = g.document.querySelectorAll('nav[aria-label="Rooms"] [data-room-id]').length;
      if (rooms === 0) return;
      observer.disconnect();
      g.requestAnimationFrame(() => setTimeout(() => resolve({ ms: performance.now(), rooms }), 0));
    };
    const observer = new g.MutationObserver(check);
    observer.observe(g.document, { childList: true, subtree: true });
  });
}

/**
 * Loads `url` in a fresh context (nothing cached, no room selected) and returns the time from
 * navigation start until the room list has been painted, and how many rows it showed then.
 */
export async function loadRoomList(browser: Browser, url: string): Promise<Shown> {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    await page.addInitScript(watchRoomList);
    await page.goto(url);
    const shown = page.evaluate(() => (globalThis as unknown as PageGlobals).__roomList);
    const late = new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error('no room list within 60 s')), 60_000).unref(),
    );
    return await Promise.race([shown, late]);
  } finally {
    await context.close();
  }
}

/**
 * Clicks `entry` (a room list button) and returns the milliseconds until the timeline holds
 * `newest` and the frame showing it has been produced.
 */
export async function switchTo(entry: Locator, newest: string): Promise<number> {
  return entry.evaluate(async (button, text) => {
    const g = globalThis as unknown as PageGlobals;
    const log = '[role="log"][aria-label="Timeline"]';
    const shown = (): boolean =>
      g.document.querySelector(log)?.textContent?.includes(text) ?? false;
    const t0 = performance.now();
    (button as unknown as { click(): void }).click();
    await new Promise<void>((resolve) => {
      if (shown()) return resolve();
      const observer = new g.MutationObserver(() => {
        if (!shown()) return;
        observer.disconnect();
        resolve();
      });
      observer.observe(g.document.body, { childList: true, subtree: true, characterData: true });
    });
    await new Promise((r) => g.requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  }, newest);
}

/** What scrolling up a long timeline cost the main thread. */
export type ScrollMetrics = {
  /** The longest main-thread task in the trace, ms (null if the trace had none). */
  longestTaskMs: number | null;
  /** Tasks the page's `longtask` observer reported (each ≥ 50 ms). */
  longTasks: number;
  /** The longest of those, ms (null when there were none). */
  longestLongTaskMs: number | null;
  /** The longest gap between two animation frames, ms. */
  longestFrameMs: number;
  /** Wheel steps, pixels scrolled, and older pages the renderer asked the core for. */
  steps: number;
  pixels: number;
  pagesLoaded: number;
  seconds: number;
};

/** Top-level tasks of the renderer's main thread in a Chromium trace, as durations in ms. */
export function mainThreadTasks(trace: Buffer): number[] {
  type TraceEvent = {
    ph: string;
    name: string;
    pid: number;
    tid: number;
    dur?: number;
    args?: { name?: string };
  };
  const { traceEvents } = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] };
  const mains = new Set(
    traceEvents
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map<string, number[]>();
  for (const e of traceEvents) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.dur === undefined || !mains.has(key)) continue;
    if (e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask') continue;
    byThread.set(key, [...(byThread.get(key) ?? []), e.dur / 1000]);
  }
  // The page's renderer is the busiest one.
  return [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

const sentPages = new WeakMap<Page, number>();

/** Counts the `timeline.paginate` commands `page` sends (call before it opens its socket). */
export function countPaginations(page: Page): void {
  sentPages.set(page, 0);
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if (String(f.payload).includes('"timeline.paginate"')) {
        sentPages.set(page, (sentPages.get(page) ?? 0) + 1);
      }
    }),
  );
}

function paginations(page: Page): number {
  return sentPages.get(page) ?? 0;
}

/** Starts recording long tasks and frame gaps in the page. */
async function observe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    g.__longTasks = [];
    g.__longestFrame = 0;
    g.__frames = true;
    new g.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) g.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
    let last = performance.now();
    const frame = (now: number): void => {
      g.__longestFrame = Math.max(g.__longestFrame, now - last);
      last = now;
      if (g.__frames) g.requestAnimationFrame(frame);
    };
    g.requestAnimationFrame(frame);
  });
}

/**
 * Scrolls the open timeline up by `steps` wheel steps of `stepPx`, a frame apart, recording a
 * trace and the page's long tasks meanwhile.
 */
export async function scrollUp(
  browser: Browser,
  page: Page,
  timeline: Locator,
  steps: number,
  stepPx = 600,
): Promise<ScrollMetrics> {
  const pages0 = paginations(page);
  await timeline.hover();
  await observe(page);
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    await page.mouse.wheel(0, -stepPx);
    await page.evaluate(afterPaint, 0);
  }
  // Let the last page load and render before the books close.
  await page.evaluate(afterPaint, 300);
  const seconds = (performance.now() - t0) / 1000;
  const trace = await browser.stopTracing();
  const seen = await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    g.__frames = false;
    return { longTasks: g.__longTasks, longestFrame: g.__longestFrame };
  });
  const tasks = mainThreadTasks(trace);
  return {
    longestTaskMs: tasks.length ? Math.max(...tasks) : null,
    longTasks: seen.longTasks.length,
    longestLongTaskMs: seen.longTasks.length ? Math.max(...seen.longTasks) : null,
    longestFrameMs: seen.longestFrame,
    steps,
    pixels: steps * stepPx,
    pagesLoaded: paginations(page) - pages0,
    seconds,
  };
}
