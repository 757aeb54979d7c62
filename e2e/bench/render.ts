/**
 * Render benchmarks, in Chromium through the browser harness (the real core in its worker, the
 * built renderer, the WebSocket bridge), on the bench account (1,000 rooms) plus one room of
 * 10,000 events, all of them cached before measuring:
 *
 * - room list: page load (fresh context) until the room list has been painted (target < 500 ms);
 * - room switch: click on the 10,000-event room until its newest message has been painted
 *   (target < 100 ms);
 * - scrolling: that room's timeline scrolled up through many pages; the longest main-thread
 *   task (target < 50 ms), from a trace, with the page's `longtask` observer as a cross-check.
 *
 * Part of `npm run bench` (run.ts); alone: `npx tsx e2e/bench/render.ts [--rooms N]` seeds a
 * homeserver of its own.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { ensureRendererBuilt, RENDERER_DIR } from '../../src-main/web/renderer-build';
import type { CoreApi } from '../../src-main/ipc/core-api';
import { startWebServer } from '../../src-main/web/server';
import { startCoreWorker } from '../../src-main/worker/core-client';
import { mixedMessages, plainMessages, Rng, type SeedEvent } from './content';
import { seedBench } from './generate';
import { startHomeserverProcess } from './homeserver-process';
import { median } from './metrics';
import { call } from './ours-shared';
import type { TargetResult } from './report';
import {
  countPaginations,
  loadRoomList,
  newContext,
  scrollUp,
  switchTo,
  type ScrollMetrics,
} from './render-page';

/** Where the bench account lives. */
export type RenderTarget = { url: string; username: string; password: string; userId: string };

/** The render figures. */
export type RenderMetrics = {
  rooms: number;
  bigRoomEvents: number;
  /** Timeline items of the big room in the cache (edits and reactions fold into their targets). */
  bigRoomCached: number;
  /** Navigation start → room list painted, ms, per load (fresh context each). */
  roomListRunsMs: number[];
  roomListMedianMs: number;
  roomsShown: number;
  /** Click → newest message painted, ms, per switch into the big room. */
  switchRunsMs: number[];
  switchMedianMs: number;
  scroll: ScrollMetrics;
  chromium: string;
};

const BIG_ROOM = 'Big room';
const NEWEST = 'The newest message of the big room';
const LOADS = 5;
const SWITCHES = 5;
const SCROLL_STEPS = 150;

/** Adds the big room: `events` events (messages, replies, edits, reactions), then `NEWEST`. */
async function seedBigRoom(target: RenderTarget, events: number): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const headers = { 'Content-Type': 'application/json' };
    const res = await fetch(target.url + path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const peer = String(
    (await post('/_test/users', { username: 'render-peer', login: false })).user_id,
  );
  const roomId = String(
    (await post('/_test/rooms', { creator: peer, members: [target.userId], name: BIG_ROOM }))
      .room_id,
  );
  const rng = new Rng(7);
  const senders = [peer, target.userId];
  const first = plainMessages(rng, senders, Math.ceil(events * 0.6));
  const send = async (list: SeedEvent[]) => {
    const ids: string[] = [];
    for (let i = 0; i < list.length; i += 400) {
      const body = { events: list.slice(i, i + 400) };
      ids.push(
        ...((await post(`/_test/rooms/${encodeURIComponent(roomId)}/events`, body))
          .event_ids as string[]),
      );
    }
    return ids;
  };
  const ids = await send(first);
  const earlier = first.map((event, k) => ({ id: ids[k]!, event }));
  await send(mixedMessages(rng, senders, earlier, events - first.length - 1));
  await send([
    { sender: peer, type: 'm.room.message', content: { msgtype: 'm.text', body: NEWEST } },
  ]);
  // A favourite, so it is on screen at the top of the (virtualized) room list.
  const login = await post('/_matrix/client/v3/login', {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: target.username },
    password: target.password,
  });
  const tag = `/_matrix/client/v3/user/${encodeURIComponent(target.userId)}/rooms/${encodeURIComponent(roomId)}/tags/m.favourite`;
  const res = await fetch(target.url + tag, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${String(login.access_token)}` },
    body: JSON.stringify({ order: 0 }),
  });
  if (res.status !== 200) throw new Error(`tagging the big room: ${res.status}`);
}

/** Signs the core in and waits for its first sync to be committed. */
async function signIn(core: CoreApi, target: RenderTarget): Promise<void> {
  const synced = new Promise<void>((resolve, reject) => {
    const off = core.onEvent((e) => {
      if (e.type === 'sync.status' && e.data.state === 'ok') {
        off();
        resolve();
      } else if (e.type === 'sync.status' && e.data.state === 'stopped') {
        off();
        reject(new Error(`sync stopped: ${e.data.reason}`));
      }
    });
  });
  await call(core, 'account.login', {
    server: target.url,
    username: target.username,
    password: target.password,
  });
  await synced;
}

/** Pages the big room's whole history into the cache; returns how many items it holds. */
async function cacheHistory(core: CoreApi): Promise<{ roomId: string; cached: number }> {
  const { rooms } = await call(core, 'rooms.list', {});
  const room = rooms.find((r) => r.name === BIG_ROOM);
  if (!room) throw new Error(`no "${BIG_ROOM}" after the first sync`);
  let page = await call(core, 'timeline.open', { roomId: room.roomId, limit: 50 });
  let cached = page.items.length;
  while (page.hasMoreBefore && page.items[0]) {
    const before = page.items[0].eventId;
    page = await call(core, 'timeline.paginate', { roomId: room.roomId, before, limit: 1000 });
    cached += page.items.length;
  }
  return { roomId: room.roomId, cached };
}

async function measure(
  browser: Browser,
  pageUrl: string,
): Promise<Omit<RenderMetrics, 'rooms' | 'bigRoomEvents' | 'bigRoomCached' | 'chromium'>> {
  const loads: { ms: number; rooms: number }[] = [];
  for (let i = 0; i < LOADS; i++) loads.push(await loadRoomList(browser, pageUrl));

  const context = await newContext(browser);
  const page = await context.newPage();
  countPaginations(page);
  await page.goto(pageUrl);
  const list = page.getByRole('navigation', { name: 'Rooms' });
  const big = list.getByRole('button', { name: new RegExp(`^${BIG_ROOM}`) });
  const other = list.getByRole('button', { name: /^Room \d+/ }).first();
  const timeline = page.getByRole('log', { name: 'Timeline' });
  const switches: number[] = [];
  for (let i = 0; i < SWITCHES; i++) {
    await other.click();
    await page.getByRole('heading', { level: 1 }).filter({ hasNotText: BIG_ROOM }).waitFor();
    switches.push(await switchTo(big, NEWEST));
  }
  const scroll = await scrollUp(browser, page, timeline, SCROLL_STEPS);
  await context.close();
  return {
    roomListRunsMs: loads.map((l) => l.ms),
    roomListMedianMs: median(loads.map((l) => l.ms)),
    roomsShown: Math.min(...loads.map((l) => l.rooms)),
    switchRunsMs: switches,
    switchMedianMs: median(switches),
    scroll,
  };
}

/**
 * Runs the render benchmarks against the bench account at `target` (adding the big room to
 * it), with the app's data in `workDir`.
 */
export async function runRenderBench(
  target: RenderTarget,
  rooms: number,
  workDir: string,
  bigRoomEvents = 10_000,
): Promise<RenderMetrics> {
  await ensureRendererBuilt((line) => console.log(line));
  await seedBigRoom(target, bigRoomEvents);
  const core = startCoreWorker({
    entry: new URL('../../src-main/worker/core-worker.ts', import.meta.url),
    options: { dataDir: join(workDir, 'app'), appVersion: 'bench' },
  });
  let browser: Browser | undefined;
  const server = await startWebServer({ core, rendererDir: RENDERER_DIR });
  try {
    await signIn(core, target);
    const { cached } = await cacheHistory(core);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    const figures = await measure(browser, server.pageUrl);
    return {
      rooms: rooms + 1,
      bigRoomEvents,
      bigRoomCached: cached,
      chromium: browser.version(),
      ...figures,
    };
  } finally {
    await browser?.close();
    await server.close();
    await core.close();
  }
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** As playwright.config.ts: CHROMIUM_PATH, else Debian's, else Playwright's own. */
function chromiumPath(): string | undefined {
  return (
    process.env['CHROMIUM_PATH'] ??
    (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
  );
}

/** The three render targets, judged. */
export function judgeRender(m: RenderMetrics | null): TargetResult[] {
  const list = m?.roomListMedianMs ?? null;
  const sw = m?.switchMedianMs ?? null;
  const task = m ? (m.scroll.longestTaskMs ?? m.scroll.longestLongTaskMs) : null;
  return [
    {
      name: `room list painted after page load, ${m?.rooms ?? 1001} rooms (median)`,
      target: '< 500 ms',
      value: list,
      unit: 'ms',
      pass: list === null ? null : list < 500,
    },
    {
      name: 'switch to the 10,000-event room (median)',
      target: '< 100 ms',
      value: sw,
      unit: 'ms',
      pass: sw === null ? null : sw < 100,
    },
    {
      name: 'longest task while scrolling it',
      target: '< 50 ms',
      value: task,
      unit: 'ms',
      // No `longtask` entry at all is itself the proof that no task reached 50 ms.
      pass: m === null ? null : m.scroll.longTasks === 0 && (task === null || task < 50),
    },
  ];
}

/** The render figures in detail. */
export function renderTable(m: RenderMetrics | null): string {
  if (!m) return 'render benchmarks: did not run';
  const ms = (v: number | null) => (v === null ? '—' : v.toFixed(1));
  const s = m.scroll;
  const rows: [string, string][] = [
    [`render (Chromium ${m.chromium}, browser harness)`, ''],
    [
      `room list painted after load, ${m.roomsShown} rooms shown, ms (median of ${m.roomListRunsMs.length})`,
      ms(m.roomListMedianMs),
    ],
    ['  each load, ms', m.roomListRunsMs.map(ms).join(' / ')],
    [
      `switch to the big room (${m.bigRoomEvents} events: ${m.bigRoomCached} items cached), ms (median of ${m.switchRunsMs.length})`,
      ms(m.switchMedianMs),
    ],
    ['  each switch, ms', m.switchRunsMs.map(ms).join(' / ')],
    [
      `scroll up: ${s.steps} steps, ${s.pixels} px, ${s.pagesLoaded} older pages, s`,
      s.seconds.toFixed(1),
    ],
    ['  longest main-thread task (trace), ms', ms(s.longestTaskMs)],
    [
      '  long tasks ≥ 50 ms (PerformanceObserver), count / longest ms',
      `${s.longTasks} / ${ms(s.longestLongTaskMs)}`,
    ],
    ['  longest gap between frames, ms', ms(s.longestFrameMs)],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `${a.padEnd(width)}  ${b}`).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rooms: { type: 'string', default: '1000' } } });
  const rooms = Number(values.rooms);
  const work = mkdtempSync(join(tmpdir(), 'lightmatrix-render-'));
  const hs = await startHomeserverProcess(join(work, 'homeserver'));
  try {
    const seed = await seedBench(hs.url, { rooms, events: 5 });
    const target = {
      url: hs.url,
      username: seed.username,
      password: seed.password,
      userId: seed.userId,
    };
    const m = await runRenderBench(target, rooms, work);
    console.log(`\n${renderTable(m)}\n`);
    for (const t of judgeRender(m))
      console.log(
        `${t.name}: ${t.value?.toFixed(1) ?? '—'} ${t.unit} (${t.target}) ${t.pass ? 'PASS' : 'MISS'}`,
      );
  } finally {
    await hs.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
