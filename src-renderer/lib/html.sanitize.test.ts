/**
 * sanitizeHtml in a real browser (it needs a DOM): html.ts is bundled as the app bundles it and
 * run in Chromium on a page with the app's Content-Security-Policy, which also records every
 * request (there must be none) and every console error (a CSP refusal means an event handler
 * reached the parser).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:";
const ORIGIN = 'http://lightmatrix.test';
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;

let browser: Browser;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];

async function bundle(): Promise<string> {
  const entry = new URL('./html.ts', import.meta.url).pathname;
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry, formats: ['iife'], name: 'lmHtml' },
    },
  });
  const output = (Array.isArray(out) ? out[0] : out) as Rolldown.RolldownOutput;
  return output.output[0].code;
}

beforeAll(async () => {
  const code = await bundle();
  browser = await chromium.launch({
    executablePath: env?.['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  page = await browser.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith(ORIGIN)) requests.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = route.request().url();
    if (url.endsWith('/html.js'))
      return route.fulfill({ contentType: 'text/javascript', body: code });
    if (url === `${ORIGIN}/`) {
      return route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><meta http-equiv="Content-Security-Policy" content="${CSP}"><script src="/html.js"></script><div id="out"></div>`,
      });
    }
    return route.abort();
  });
  await page.goto(`${ORIGIN}/`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Sanitizes in the page and also shows the result, as the timeline does. */
function sanitize(html: string): Promise<string> {
  return page.evaluate((h) => {
    const lib = (window as unknown as { lmHtml: { sanitizeHtml(s: string): string } }).lmHtml;
    const clean = lib.sanitizeHtml(h);
    document.getElementById('out')!.innerHTML = clean;
    return clean;
  }, html);
}

describe('sanitizeHtml', () => {
  it('removes scripts, event handlers, script links, SVG and MathML', async () => {
    const out = await sanitize(
      '<script>alert(1)</script><p onclick="alert(2)">Click <a href="javascript:alert(3)">here</a></p>' +
        '<svg><g onload="alert(4)"></g></svg><math><mi xlink:href="javascript:x">m</mi></math>',
    );
    expect(out).toBe('<p>Click <a>here</a></p>');
  });

  it('makes safe links open outside the app and drops other schemes', async () => {
    const out = await sanitize(
      '<a href="https://example.org/x" target="_self">web</a> <a href="mailto:a@b.c">mail</a> ' +
        '<a href="data:text/html,x">data</a> <a href="matrix:u/bob:x">matrix</a> <span href="https://x.y">s</span>',
    );
    expect(out).toBe(
      '<a href="https://example.org/x" target="_blank" rel="noopener noreferrer">web</a> ' +
        '<a href="mailto:a@b.c" target="_blank" rel="noopener noreferrer">mail</a> ' +
        '<a>data</a> <a>matrix</a> <span>s</span>',
    );
  });

  it('never loads anything remote: images become their alt text, iframes and styles go', async () => {
    const out = await sanitize(
      '<img src="https://evil.example/pixel.png" alt="a cat"><img src="mxc://x/y">' +
        '<img data-mx-emoticon src="mxc://x/z" alt=":party:">' +
        '<iframe src="https://evil.example/frame"></iframe><video src="https://evil.example/v.mp4"></video>' +
        '<style>@import url(https://evil.example/x.css); body{display:none}</style>' +
        '<div style="background:url(https://evil.example/bg.png);position:fixed;inset:0">cover</div>' +
        '<link rel="stylesheet" href="https://evil.example/l.css"><object data="https://evil.example/o"></object>',
    );
    expect(out).toBe('[image: a cat][image]:party:<div>cover</div>');
    await page.waitForTimeout(200);
    expect(requests).toEqual([]);
  });

  it('keeps the spec subset: formatting, lists, code with its language, tables, details', async () => {
    const html =
      '<h1>T</h1><p><b>b</b><i>i</i><u>u</u><s>s</s><del>d</del><sup>1</sup><sub>2</sub></p>' +
      '<ol start="3"><li>x</li></ol><ul><li>y</li></ul><blockquote>q</blockquote><hr>' +
      '<pre><code class="language-ts">let a = 1;</code></pre>' +
      '<table><caption>c</caption><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>' +
      '<details><summary>more</summary>hidden</details>';
    expect(await sanitize(html)).toBe(html);
  });

  it('validates colours and turns them into styles; drops bad values and other attributes', async () => {
    const out = await sanitize(
      '<font color="#ff0000">red</font><span data-mx-color="#00ff00" data-mx-bg-color="#0000ff">g</span>' +
        '<span data-mx-color="red;background:url(x)">bad</span><code class="evil language-js">c</code>' +
        '<ol start="1;x"><li>l</li></ol><p id="clobber" name="x" class="overlay" data-evil="1">p</p>',
    );
    expect(out).toBe(
      '<font color="#ff0000" style="color: rgb(255, 0, 0);">red</font>' +
        '<span data-mx-color="#00ff00" data-mx-bg-color="#0000ff" style="color: rgb(0, 255, 0); background-color: rgb(0, 0, 255);">g</span>' +
        '<span>bad</span><code class="language-js">c</code><ol><li>l</li></ol><p>p</p>',
    );
  });

  it('drops reply fallbacks whole, and forms and unknown tags but not their text', async () => {
    const out = await sanitize(
      '<mx-reply><blockquote><a href="https://matrix.to/#/!r/$e">In reply to</a> old</blockquote></mx-reply>new ' +
        '<form action="https://evil.example"><input value="x"><button>go</button></form><marquee>m</marquee>',
    );
    expect(out).toBe('new gom');
  });

  it('makes spoilers focusable so they can be revealed from the keyboard', async () => {
    const out = await sanitize('<span data-mx-spoiler="plot">twist</span>');
    expect(out).toBe(
      '<span data-mx-spoiler="plot" tabindex="0" title="Spoiler: click to reveal">twist</span>',
    );
  });

  it('marks mention links of users and rooms as pills, not event permalinks', async () => {
    const out = await sanitize(
      '<a href="https://matrix.to/#/@bob:x">Bob</a> <a href="https://matrix.to/#/%23room:x">#room:x</a> ' +
        '<a href="https://matrix.to/#/!r:x/$e">event</a>',
    );
    expect(out).toBe(
      '<a href="https://matrix.to/#/@bob:x" data-lm-pill="user" data-lm-pill-id="@bob:x" title="@bob:x" target="_blank" rel="noopener noreferrer">Bob</a> ' +
        '<a href="https://matrix.to/#/%23room:x" data-lm-pill="room" data-lm-pill-id="#room:x" title="#room:x" target="_blank" rel="noopener noreferrer">#room:x</a> ' +
        '<a href="https://matrix.to/#/!r:x/$e" target="_blank" rel="noopener noreferrer">event</a>',
    );
  });

  it('logged no CSP refusal: no event handler ever reached the parser', () => {
    expect(consoleErrors).toEqual([]);
  });
});
