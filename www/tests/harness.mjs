// The browser side of the page tests: headless Chromium (Debian's /usr/bin/chromium through
// playwright-core), a page opened with every console error, CSP violation and late network
// request recorded, and files dropped as a user drags them in. Screenshots go to
// $CERTBIND_ARTIFACTS (default: tests/artifacts/www/ at the repository root).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const WWW = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(WWW, '..');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const ARTIFACTS = process.env.CERTBIND_ARTIFACTS ?? join(ROOT, 'tests', 'artifacts', 'www');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

mkdirSync(ARTIFACTS, { recursive: true });

export const launch = () => chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });

/**
 * Opens `url` in a fresh context and waits until the page is ready; records console errors,
 * CSP violations and every request made after that. `finish(name)` takes a full-page screenshot
 * `<prefix>-<name>.png`, closes the context and asserts none of those happened.
 */
export async function openPage(browser, url, { prefix, width = 1100, height = 900, contextOptions = {}, clipboardOrigin } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, ...contextOptions });
  if (clipboardOrigin) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: clipboardOrigin });
  const page = await context.newPage();
  const problems = [];
  const lateRequests = [];
  let ready = false;
  page.on('pageerror', (e) => problems.push(`pageerror: ${e}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('request', (r) => { if (ready) lateRequests.push(r.url()); });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const response = await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  ready = true;
  return {
    page,
    response,
    problems,
    lateRequests,
    async finish(name) {
      await page.screenshot({ path: join(ARTIFACTS, `${prefix}-${name}.png`), fullPage: true });
      const violations = await page.evaluate(() => window.__cspViolations);
      await context.close();
      assert.deepEqual(violations, [], 'no CSP violations');
      assert.deepEqual(problems, [], 'no page errors or console errors');
      assert.deepEqual(lateRequests, [], 'no network request after load');
    },
  };
}

/** Drops a file (a fixture name, or { name, bytes }) on the drop zone, as a user dragging it in. */
export async function dropFile(page, file) {
  const { name, bytes } = typeof file === 'string' ? { name: file, bytes: readFileSync(join(FIXTURES, file)) } : file;
  await page.evaluate(({ bytes, name }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], name));
    const zone = document.getElementById('drop');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { bytes: [...bytes], name });
}
