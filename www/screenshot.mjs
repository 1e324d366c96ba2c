#!/usr/bin/env node
// Makes www/screenshot.png, the picture in the README and www/README.md: the single-file page
// with the client certificate of the shared fixtures and its SHA-1 pasted as a Windows dialog
// copies it (a leading U+200E, colons, lowercase): the match, and what was cleaned.
// Run after `npm run build`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { start } from './serve.mjs';
import { FIXTURES, WWW, dropFile, launch, openPage } from './tests/harness.mjs';

const VECTORS = JSON.parse(readFileSync(join(FIXTURES, 'vectors.json'), 'utf8'));
const CLIENT = VECTORS.inputs.find((i) => i.file === 'basic.client.ee.pem' && !i.error).certificates[0];

const server = await start(WWW);
const browser = await launch();
try {
  const s = await openPage(browser, `${server.url}tools/thumbprint`, { prefix: 'readme', width: 1000, height: 1250 });
  await dropFile(s.page, 'basic.client.ee.pem');
  await s.page.waitForSelector('#certificates article.cert');
  await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(`\u200E${CLIENT.sha1.match(/../g).join(':').toLowerCase()}`);
  await s.page.waitForSelector('#verdict');
  // The compare section in the upper half, the end of the certificate card above it.
  await s.page.evaluate(() => window.scrollTo(0, document.getElementById('compare-heading').offsetTop - 510));
  await s.page.screenshot({ path: join(WWW, 'screenshot.png') });
  await s.finish('screenshot');
  console.log(`www: ${join(WWW, 'screenshot.png')} written`);
} finally {
  await browser.close();
  await server.close();
}
