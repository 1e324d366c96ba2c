// The checker page built into the `certbind` binary, as a newcomer gets it from the README's
// first command: the binary copied alone into an empty folder outside the checkout and started
// from there in development mode (no www/dist, no config, nothing beside it), its banner read for
// the checker URL, and the page driven in headless Chromium: it reads the client certificate the
// same binary just generated and matches the thumbprint the banner printed.
//
// The binary: $CERTBIND_BIN, else target/debug/certbind (www/ci.sh builds it; cargo test
// already has).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { ROOT, dropFile, launch, openPage } from './harness.mjs';

const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
const BINARY = process.env.CERTBIND_BIN ?? join(TARGET, 'debug', 'certbind');

let browser;
let server;
let dir;

/** Starts `certbind serve` in `cwd`; resolves with the banner's lines by their label. */
function serve(binary, cwd) {
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0'], {
    cwd,
    // Nothing from the developer's environment may point at a page or config.
    env: { PATH: process.env.PATH, HOME: cwd, CERTBIND_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const banner = {};
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('no banner from certbind serve within 30 s')), 30_000);
    child.on('exit', (code) => reject(new Error(`certbind serve exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/^\s{2}(\w+)\s+(.*)$/);
      if (m) banner[m[1]] = m[2];
      if (banner.checker && banner.client) {
        clearTimeout(timer);
        resolvePromise({ child, banner });
      }
    });
  });
}

before(async () => {
  assert.ok(existsSync(BINARY), `${BINARY} is missing: build it with \`cargo build -p certbind-host\` (or set CERTBIND_BIN)`);
  dir = mkdtempSync(join(tmpdir(), 'certbind-fresh-'));
  copyFileSync(BINARY, join(dir, 'certbind'));
  server = await serve(join(dir, 'certbind'), dir);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.child.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the binary alone, outside the checkout, serves the built-in page at the URL its banner prints', async () => {
  const { banner } = server;
  assert.match(banner.checker, /^https:\/\/localhost:\d+\/tools\/thumbprint$/);
  assert.ok(!existsSync(join(dir, 'www')), 'no www/ beside the binary');
  const s = await openPage(browser, banner.checker, {
    prefix: 'embedded',
    // The development CA is not one Chromium trusts; the page itself is what is under test.
    contextOptions: { ignoreHTTPSErrors: true },
  });
  const headers = await s.response.allHeaders();
  assert.equal(s.response.status(), 200);
  assert.equal(headers['content-encoding'], 'gzip', 'sent compressed');
  const meta = await s.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.equal(headers['content-security-policy'], meta, 'the header is the page\'s own policy');
  assert.match(meta, /connect-src 'none'/);
  assert.match(await s.page.locator('#version').innerText(), /single-file build/);

  // The client certificate the binary generated, and the thumbprint its banner printed, pasted
  // as Windows shows it (U+200E first, spaces, lowercase).
  const sha1 = banner.client.match(/SHA-1 thumbprint ([0-9A-F]{40})/)[1];
  await dropFile(s.page, { name: 'client.pem', bytes: readFileSync(join(dir, 'certbind-dev', 'client.pem')) });
  await s.page.waitForSelector('#certificates article.cert');
  assert.ok((await s.page.locator('#cert-0').innerText()).includes(sha1));
  await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(`\u200E${sha1.toLowerCase().match(/../g).join(' ')}`);
  await s.page.waitForSelector('#verdict');
  assert.match(await s.page.locator('#verdict').innerText(), /Match: certificate #1 \(CN=certclient.*\) by its SHA-1 thumbprint/);
  assert.equal(await s.page.locator('#changes-summary li').count(), 3);
  await s.finish('from-the-binary');
});
