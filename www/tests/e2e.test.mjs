// End-to-end tests of the checker page in headless Chromium (Debian's /usr/bin/chromium driven
// by playwright-core), against three ways of opening it:
//   served   www/index.html + app.mjs + style.css + vendor/ from a local HTTP server
//   single   www/dist/certbind-checker.html served at /tools/thumbprint (what certbind serve does)
//   file     www/dist/certbind-checker.html opened from file://
// Expected values come from tests/fixtures/vectors.json (made with the openssl CLI).
// Screenshots go to $CERTBIND_ARTIFACTS (default: tests/artifacts/www/ at the repository root).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { start } from '../serve.mjs';
import { FIXTURES, WWW, dropFile, launch, openPage } from './harness.mjs';

const VECTORS = JSON.parse(readFileSync(join(FIXTURES, 'vectors.json'), 'utf8'));
const vector = (file) => VECTORS.inputs.find((i) => i.file === file && !i.error);
const CLIENT = vector('basic.client.ee.pem').certificates[0];
const LRM = '\u200E';
const colons = (hex) => hex.match(/../g).join(':').toLowerCase();

const TARGETS = (process.env.CERTBIND_PAGE_TARGETS ?? 'served,single,file').split(',');

let browser;
let server;

before(async () => {
  browser = await launch();
  server = await start(WWW);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

function urlOf(target) {
  if (target === 'served') return server.url;
  if (target === 'single') return `${server.url}tools/thumbprint`;
  return pathToFileURL(join(WWW, 'dist', 'certbind-checker.html')).href;
}

/** Opens the page as `target`; see harness.mjs. */
const open = (target, { width, height } = {}) => openPage(browser, urlOf(target), {
  prefix: target,
  width,
  height,
  clipboardOrigin: target === 'file' ? undefined : new URL(server.url).origin,
});

const certCount = (page) => page.locator('#certificates article.cert').count();
const text = (page, selector) => page.locator(selector).first().innerText();

for (const target of TARGETS) {
  describe(`checker page (${target})`, () => {
    test('every control is labelled as specified', async () => {
      const s = await open(target);
      for (const label of ['Certificate file', 'Certificate', 'Password', 'Expected thumbprint', 'Client entry']) {
        assert.equal(await s.page.getByLabel(label, { exact: true }).count(), 1, `one control labelled "${label}"`);
      }
      assert.match(await text(s.page, '#privacy'), /Nothing leaves your browser/);
      const csp = await s.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      assert.match(csp, /connect-src 'none'/);
      await s.finish('empty');
    });

    test('a dropped PEM shows every thumbprint form, as openssl computes them', async () => {
      const s = await open(target);
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      assert.equal(await certCount(s.page), 1);
      const card = await text(s.page, '#cert-0');
      for (const key of ['sha1', 'sha256', 'x5t', 'x5t#S256']) assert.ok(card.includes(CLIENT[key]), `${key} shown`);
      assert.match(card, /Public-key SHA-256 — not a thumbprint/);
      assert.match(await text(s.page, '#status'), /Read 1 certificate from basic\.client\.ee\.pem/);
      await s.finish('pem-dropped');
    });

    test('certificates dated before 1970 and until 9999 show their dates exactly; names as openssl prints them', async () => {
      const s = await open(target);
      await dropFile(s.page, 'time.utc-1950.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      const old = vector('time.utc-1950.ee.pem').certificates[0];
      let card = await text(s.page, '#cert-0');
      for (const key of ['sha1', 'sha256', 'subject', 'not_before', 'not_after']) assert.ok(card.includes(old[key]), `${key} shown`);
      assert.equal(old.not_before, '1950-01-01T00:00:00Z');
      assert.match(card, /no expiration date/);
      assert.equal(await s.page.locator('#cert-0.invalid-time').count(), 0, 'valid now');
      await s.finish('dated-1950');

      const s2 = await open(target);
      await dropFile(s2.page, 'time.utc-1969.ee.pem');
      await s2.page.waitForSelector('#certificates article.cert');
      card = await text(s2.page, '#cert-0');
      assert.ok(card.includes('1969-12-31T23:59:59Z'));
      assert.match(card, /expired \d+ days ago/);
      assert.equal(await s2.page.locator('#cert-0.invalid-time').count(), 1);
      await s2.finish('dated-1969');

      const s3 = await open(target);
      await dropFile(s3.page, 'names.eidas.ee.pem');
      await s3.page.waitForSelector('#certificates article.cert');
      const eidas = vector('names.eidas.ee.pem').certificates[0];
      card = await text(s3.page, '#cert-0');
      assert.ok(card.includes(eidas.subject), 'the subject as openssl prints it');
      assert.match(card, /serialNumber=IDCES-12345678Z,organizationIdentifier=VATES-Q2826004J/);
      await s3.finish('names-eidas');
    });

    test('a DER file from the file picker is read', async () => {
      const s = await open(target);
      await s.page.setInputFiles('#file', join(FIXTURES, 'basic.client.ee.der'));
      await s.page.waitForSelector('#certificates article.cert');
      assert.ok((await text(s.page, '#cert-0')).includes(CLIENT.sha256));
      assert.match(await text(s.page, '#source'), /\(DER\)/);
      await s.finish('der');
    });

    for (const file of ['client.modern.p12', 'client.legacy-rc2.p12', 'client.legacy-3des.p12']) {
      test(`PKCS#12 ${file}: asks for the password, then lists the certificates with the key marked`, async () => {
        const v = vector(file);
        const s = await open(target);
        await s.page.setInputFiles('#file', join(FIXTURES, file));
        await s.page.waitForSelector('#input-error:not([hidden])');
        assert.match(await text(s.page, '#input-error'), /Pkcs12PasswordRequired/);
        await s.page.getByLabel('Password', { exact: true }).fill(v.password);
        await s.page.waitForSelector('#certificates article.cert');
        assert.equal(await certCount(s.page), v.certificates.length);
        const keyCard = await text(s.page, `#cert-${v.key_certificate}`);
        assert.match(keyCard, /private key/);
        assert.ok(keyCard.includes(v.certificates[v.key_certificate].sha1));
        assert.ok(!(await s.page.content()).includes('PRIVATE KEY-----'), 'no private key on the page');
        await s.finish(`pkcs12-${file.replace(/\W+/g, '-')}`);
      });
    }

    test('a pasted Windows thumbprint (U+200E and colons) matches and lists what was cleaned', async () => {
      const s = await open(target);
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(LRM + colons(CLIENT.sha1));
      await s.page.waitForSelector('#verdict');
      assert.match(await text(s.page, '#verdict'), /Match: certificate #1 .* by its SHA-1 thumbprint/);
      assert.deepEqual(await s.page.locator('#changes-summary li').allInnerTexts(), [
        'removed invisible U+200E LEFT-TO-RIGHT MARK at position 0',
        "removed 19 separator(s) (':'), first at position 3",
        `made ${CLIENT.sha1.replace(/[^A-F]/g, '').length} lowercase hex digit(s) uppercase`,
      ]);
      // Every character is one click away, in the table behind the disclosure.
      await s.page.locator('#changes-details > summary').click();
      const table = await text(s.page, 'table.changes');
      assert.match(table, /LEFT-TO-RIGHT MARK/);
      assert.match(table, /U\+200E/);
      assert.match(table, /U\+003A/);
      assert.match(await text(s.page, '#pasted-view'), /⟨U\+200E⟩/);
      assert.match(await text(s.page, '#status'), /Match/);
      await s.finish('match');
    });

    test('a SHA-1 pasted with spaces is summed up by kind, as the CLI does; the rows are behind a disclosure', async () => {
      const s = await open(target);
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      // The Windows certificate dialog's form: a U+200E first, then bytes separated by spaces.
      const pasted = `${LRM}${CLIENT.sha1.toLowerCase().match(/../g).join(' ')}`;
      await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(pasted);
      await s.page.waitForSelector('#verdict');
      assert.match(await text(s.page, '#verdict'), /Match/);
      const letters = CLIENT.sha1.replace(/[^A-F]/g, '').length;
      // The lines of `certbind normalize` (host-actix/src/cli/normalize.rs prints the core's
      // summary; the npm package's parity tests hold its output byte for byte to the Rust CLI's).
      assert.deepEqual(await s.page.locator('#changes-summary li').allInnerTexts(), [
        'removed invisible U+200E LEFT-TO-RIGHT MARK at position 0',
        'removed 19 whitespace character(s) (U+0020 SPACE), first at position 3',
        `made ${letters} lowercase hex digit(s) uppercase`,
      ]);
      const details = s.page.locator('#changes-details');
      assert.equal(await details.evaluate((d) => d.open), false, 'the rows start folded away');
      assert.equal(await s.page.locator('table.changes').isVisible(), false);
      assert.match(await details.locator('summary').innerText(), new RegExp(`\\(${1 + 19 + letters}\\)`));
      // Keyboard: the disclosure opens with Enter, and then lists one row per character.
      await details.locator('summary').focus();
      await s.page.keyboard.press('Enter');
      assert.equal(await details.evaluate((d) => d.open), true);
      assert.equal(await s.page.locator('table.changes tbody tr').count(), 1 + 19 + letters);
      await s.finish('spaces-summary');
    });

    test('after a paste the announcement reaches screen readers and covers no control', async () => {
      const s = await open(target);
      const { page } = s;
      await dropFile(page, 'basic.client.ee.pem');
      await page.waitForSelector('#certificates article.cert');
      // The field at the bottom edge of the window, where a bar fixed to the bottom would sit.
      const field = page.getByLabel('Expected thumbprint', { exact: true });
      await field.evaluate((el) => el.scrollIntoView({ block: 'end' }));
      await field.focus();
      await page.keyboard.insertText(LRM + colons(CLIENT.sha1));
      await page.waitForSelector('#verdict');
      await page.waitForFunction(() => /Match/.test(document.getElementById('status').textContent));
      // Still a polite live region, with the verdict in it…
      const status = page.locator('#status');
      assert.equal(await status.getAttribute('role'), 'status');
      assert.equal(await status.getAttribute('aria-live'), 'polite');
      assert.match(await status.textContent(), /Match: certificate #1/);
      // …and every control in the window is the element found at its own points.
      const covered = await page.evaluate(() => {
        const problems = [];
        for (const el of document.querySelectorAll('input, textarea, button, summary, a[href]')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) continue;
          const points = [[0.5, 0.5], [0.1, 0.15], [0.9, 0.15], [0.1, 0.85], [0.9, 0.85]];
          for (const [fx, fy] of points) {
            const x = r.left + r.width * fx;
            const y = r.top + r.height * fy;
            if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
            const hit = document.elementFromPoint(x, y);
            if (hit !== el && !el.contains(hit)) {
              problems.push(`${el.id || el.tagName} at (${Math.round(x)}, ${Math.round(y)}) is covered by ${hit?.id || hit?.tagName}`);
            }
          }
        }
        return problems;
      });
      assert.deepEqual(covered, []);
      const fieldBox = await field.boundingBox();
      assert.ok(fieldBox.y + fieldBox.height <= 900 && fieldBox.y + fieldBox.height > 800, `the field is at the bottom: ${JSON.stringify(fieldBox)}`);
      await s.finish('status-covers-nothing');
    });

    test('a wrong thumbprint is a mismatch', async () => {
      const s = await open(target);
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      const root = vector('basic.root.ca.pem').certificates[0];
      await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(root.sha256);
      await s.page.waitForSelector('#verdict');
      assert.match(await text(s.page, '#verdict'), /Mismatch/);
      assert.match(await text(s.page, '#status'), /Mismatch/);
      await s.finish('mismatch');
    });

    test('a letter O in the pasted value is shown with its position and name', async () => {
      const s = await open(target);
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      const bad = `${CLIENT.sha1.slice(0, 12)}O${CLIENT.sha1.slice(13)}`;
      await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(bad);
      await s.page.waitForSelector('.verdict.invalid');
      const result = await text(s.page, '#compare-result');
      assert.match(result, /ThumbprintInvalidCharacter/);
      assert.match(result, /12/);
      assert.equal(await s.page.locator('#pasted-view mark.wrong').innerText(), 'O');
      await s.finish('invalid-character');
    });

    test('keyboard only: paste, compare, copy — and the copy holds exactly what is shown', async () => {
      const s = await open(target);
      const { page } = s;
      const pem = readFileSync(join(FIXTURES, 'basic.client.ee.pem'), 'utf8');
      // Tab from the top of the page through the controls in order.
      await page.keyboard.press('Tab'); // skip link
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'file');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'paste');
      await page.keyboard.insertText(pem);
      await page.waitForSelector('#certificates article.cert');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
      // The next stops are the copy buttons of the certificate, then the expected thumbprint.
      let guard = 0;
      while ((await page.evaluate(() => document.activeElement.id)) !== 'expected' && guard++ < 20) {
        await page.keyboard.press('Tab');
      }
      assert.equal(await page.evaluate(() => document.activeElement.id), 'expected');
      await page.keyboard.insertText(`${LRM}${CLIENT.sha1.toLowerCase()}`);
      await page.waitForSelector('#verdict');
      assert.match(await text(page, '#verdict'), /Match/);
      // Focus is visible: the focused control has an outline.
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none');
      // Back to the first Copy button (SHA-1 of certificate #1) with Shift+Tab, and press it.
      guard = 0;
      while ((await page.evaluate(() => document.activeElement.getAttribute('aria-label'))) !== 'Copy SHA-1 of certificate #1' && guard++ < 20) {
        await page.keyboard.press('Shift+Tab');
      }
      assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Copy SHA-1 of certificate #1');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Copied'));
      if (target !== 'file') {
        // The async clipboard is readable only where the permission could be granted (http).
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        assert.equal(copied, CLIENT.sha1);
        assert.equal(copied, await text(page, '#cert-0 .prints code'));
      }
      await s.finish('keyboard');
    });

    test('the certbind.toml snippet, pasted as the client entry, is accepted; a wrong entry is explained', async () => {
      const s = await open(target);
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      const snippet = await s.page.locator('#snippets pre.value').first().innerText();
      assert.ok(snippet.includes(`value = "${CLIENT.sha1}"`), snippet);
      await s.page.getByLabel('Client entry', { exact: true }).fill(snippet);
      await s.page.waitForSelector('#explain-result .verdict');
      assert.match(await text(s.page, '#explain-result .verdict'), /Client my-client: accepted by secret #1 \(x509_thumbprint/);
      const root = vector('basic.root.ca.pem').certificates[0];
      await s.page.getByLabel('Client entry', { exact: true }).fill(
        `[[clients]]\nclient_id = "certclient"\nscopes = ["read"]\n\n[[clients.secrets]]\ntype = "x509_thumbprint"\nvalue = "${root.sha1}"\n`);
      await s.page.waitForSelector('#explain-result .verdict.mismatch');
      const result = await text(s.page, '#explain-result');
      assert.match(result, /Client certclient: rejected/);
      assert.match(result, /Secret #1 \(x509_thumbprint\): thumbprint differs/);
      assert.ok(result.includes(CLIENT.sha1), 'the reason names the certificate\'s actual SHA-1');
      await s.page.getByLabel('Client entry', { exact: true }).fill('[[clients]]\nclient_id = 5\n');
      await s.page.waitForSelector('#explain-result .error-box');
      assert.match(await text(s.page, '#explain-result'), /Registry/);
      await s.finish('explain');
    });

    test('the decision vectors of the shared fixtures: the page shows the core\'s decision for each client', async () => {
      // vectors.json `decisions` (also run by the Rust tests and the npm package's tests): the
      // cases of basic.client.ee.pem alone (the page has no chain or trust anchor input) at the
      // page's clock (the fixtures are valid 2020–2099).
      const s = await open(target);
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      await s.page.getByLabel('Client entry', { exact: true }).fill(VECTORS.decisions.registry);
      await s.page.waitForSelector('#explain-result .explanation');
      const cases = VECTORS.decisions.cases.filter((c) => c.certificate === 'basic.client.ee.pem' && !c.chain?.length && !c.at);
      const shown = [];
      for (const c of cases) {
        const verdict = s.page.locator(`#explain-result .explanation[data-client="${c.client_id}"] .verdict`);
        // Only the clients this certificate could belong to are explained (no clientId).
        if ((await verdict.count()) === 0) continue;
        const accepted = c.expected.outcome === 'accepted';
        assert.equal(await verdict.evaluate((e) => e.classList.contains('match')), accepted, c.name);
        assert.match(await verdict.innerText(), accepted ? /: accepted by secret #1/ : /: rejected\./, c.name);
        shown.push(c.client_id);
      }
      assert.deepEqual(shown.sort(), ['certclient', 'pkiclient', 'sha256-as-sha1'], 'the candidates among the vectors');
      await s.finish('decision-vectors');
    });

    test('phone width: no horizontal scrolling', async () => {
      const s = await open(target, { width: 375, height: 800 });
      await dropFile(s.page, 'basic.chain.pem');
      await s.page.waitForSelector('#certificates article.cert');
      await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(colons(CLIENT.sha256));
      await s.page.waitForSelector('#verdict');
      const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
      await s.finish('phone');
    });

    test('nothing is written to the URL, history or storage; fetch is blocked by the CSP', async () => {
      const s = await open(target);
      const before = await s.page.evaluate(() => ({ href: location.href, history: history.length }));
      await dropFile(s.page, 'basic.client.ee.pem');
      await s.page.waitForSelector('#certificates article.cert');
      await s.page.getByLabel('Expected thumbprint', { exact: true }).fill(CLIENT.sha1);
      await s.page.waitForSelector('#verdict');
      const afterUse = await s.page.evaluate(() => ({
        href: location.href,
        history: history.length,
        local: localStorage.length,
        session: sessionStorage.length,
        cookie: document.cookie,
      }));
      assert.deepEqual(afterUse, { ...before, local: 0, session: 0, cookie: '' });
      // A script that tried to send the certificate somewhere would be stopped.
      const outcome = await s.page.evaluate(async (url) => {
        try {
          await fetch(url, { method: 'POST', body: 'certificate' });
          return 'sent';
        } catch {
          return 'blocked';
        }
      }, server.url);
      assert.equal(outcome, 'blocked');
      const violations = await s.page.evaluate(() => window.__cspViolations.splice(0));
      assert.ok(violations.some((v) => v.startsWith('connect-src')), JSON.stringify(violations));
      s.problems.length = 0; // the blocked fetch logs a console error; it is the point of this test
      s.lateRequests.length = 0; // blocked requests never leave, but Chromium may report the attempt
      await s.finish('privacy');
    });
  });
}
