// The checker page's token box (www/token.mjs) in headless Chromium, on the source page, the
// single file over HTTP and from file://: every case of the shared `bindings` vectors gives the
// core's words, byte for byte (the same as the Rust core and the npm package assert), and a
// pasted JWKS checks the signature (jose, WebCrypto) without any network request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { start } from '../serve.mjs';

const WWW = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = join(WWW, '..', 'tests', 'fixtures');
const VECTORS = JSON.parse(readFileSync(join(FIXTURES, 'vectors.json'), 'utf8'));
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TARGETS = (process.env.CERTBIND_PAGE_TARGETS ?? 'served,single,file').split(',');
const pem = (file) => readFileSync(join(FIXTURES, file), 'utf8');
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** An unsigned-looking token: the page decodes it; its signature is checked only with a JWKS. */
const tokenWith = (cnf) => `${b64url({ alg: 'ES256', typ: 'at+jwt' })}.${b64url({ sub: 'certclient', ...(cnf === null ? {} : { cnf }) })}.c2lnbmF0dXJl`;

let browser;
let server;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS });
  server = await start(WWW);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(target) {
  const page = await (await browser.newContext()).newPage();
  const problems = [];
  const late = [];
  let ready = false;
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('request', (r) => { if (ready) late.push(r.url()); });
  const url = target === 'served' ? server.url : target === 'single' ? `${server.url}tools/thumbprint` : pathToFileURL(join(WWW, 'dist', 'certbind-checker.html')).href;
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]');
  ready = true;
  return { page, problems, late };
}

/** Pastes a certificate and waits until the page has read it (its update is debounced). */
async function paste(page, text) {
  await page.fill('#paste', '');
  await page.waitForFunction(() => !document.getElementById('cert-0'));
  await page.fill('#paste', text);
  await page.waitForSelector('#cert-0');
}

async function tokenResult(page, token) {
  await page.fill('#token', '');
  await page.fill('#token', token);
  await page.waitForSelector('#token-binding');
  return page.evaluate(() => ({
    binding: document.getElementById('token-binding').textContent,
    outcome: document.getElementById('token-binding').dataset.outcome,
    hints: [...document.querySelectorAll('#token-hints li')].map((li) => li.textContent),
    claims: document.getElementById('token-claims')?.textContent,
    signature: document.getElementById('token-signature')?.textContent,
  }));
}

for (const target of TARGETS) {
  describe(`token box: ${target}`, () => {
    test('every binding vector gives the core\'s outcome and words', async () => {
      const { page, problems, late } = await open(target);
      for (const c of VECTORS.bindings.cases.filter((x) => x.certificate !== null)) {
        await paste(page, [c.certificate, ...c.chain].map(pem).join(''));
        const r = await tokenResult(page, tokenWith(c.cnf));
        assert.equal(r.outcome, c.expected.outcome, c.name);
        assert.equal(r.binding, `${c.expected.outcome === 'bound' ? '✓' : '✗'} ${c.expected.message}`, c.name);
        assert.deepEqual(r.hints, c.expected.hint_messages, c.name);
        assert.equal(JSON.parse(r.claims).sub, 'certclient');
      }
      assert.deepEqual(problems, []);
      assert.deepEqual(late, [], 'no request after load');
    });

    test('a pasted JWKS checks the signature; another key does not verify it', async () => {
      const { page, problems, late } = await open(target);
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const other = await generateKeyPair('ES256');
      const client = VECTORS.inputs.find((i) => i.file === 'basic.client.ee.pem').certificates[0];
      const token = await new SignJWT({ client_id: 'certclient', cnf: { 'x5t#S256': client['x5t#S256'] } })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).setIssuer('https://as.example').setAudience('https://api.example')
        .setIssuedAt().setExpirationTime('10m').sign(privateKey);
      await paste(page, pem('basic.client.ee.pem'));
      await page.fill('#jwks', JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
      let r = await tokenResult(page, token);
      assert.equal(r.outcome, 'bound');
      await page.waitForFunction(() => /verified/.test(document.getElementById('token-signature').textContent));
      r = await tokenResult(page, token);
      await page.waitForFunction(() => /Signature: (verified|NOT)/.test(document.getElementById('token-signature').textContent));
      assert.match(await page.textContent('#token-signature'), /^Signature: verified with the pasted JWKS \(ES256, kid k1\)/);
      await page.fill('#jwks', JSON.stringify({ keys: [{ ...(await exportJWK(other.publicKey)), kid: 'k1', alg: 'ES256' }] }));
      await page.waitForFunction(() => /NOT verified/.test(document.getElementById('token-signature').textContent));
      await page.fill('#token', 'not.a-token');
      await page.waitForSelector('#token-error');
      assert.match(await page.textContent('#token-error'), /Not a JWT/);
      assert.deepEqual(problems, []);
      assert.deepEqual(late, [], 'no request after load');
    });
  });
}
