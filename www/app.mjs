// The checker page: reads the controls, asks certbind (the WebAssembly core, already initialised
// on import) and shows the answers. No certificate parsing, hashing or thumbprint cleaning
// happens here; this file only moves values between the page and the core and renders them.
// Every value from a certificate is inserted as text (never as HTML): certificates are untrusted.

import * as certbind from 'certbind';
import { initTokenBox } from './token.mjs';

const $ = (id) => document.getElementById(id);
const controls = {
  file: $('file'),
  paste: $('paste'),
  password: $('password'),
  expected: $('expected'),
  client: $('client'),
};

/** The current certificate input: bytes from a file, or pasted text. */
let input = null;
let inputName = '';

// ---------------------------------------------------------------- DOM helpers

/** Creates an element; `children` are nodes or strings (inserted as text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let copyIds = 0;

/** A value with a Copy button that copies exactly the characters shown. */
function copyable(value, label, { block = false } = {}) {
  const id = `copy-${(copyIds += 1)}`;
  const shown = h(block ? 'pre' : 'code', { id, class: 'value' }, value);
  const button = h('button', { type: 'button', class: 'copy', 'data-copy': id, 'aria-label': `Copy ${label}` }, 'Copy');
  return h('div', { class: block ? 'copyable block' : 'copyable' }, shown, button);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Fallback for contexts without the async clipboard (older browsers, some file:// setups).
    const area = h('textarea', { class: 'offscreen', readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  // Copy the text node as displayed, so the clipboard holds exactly what the page shows.
  const text = $(button.dataset.copy).textContent;
  const ok = await copyText(text);
  button.textContent = ok ? 'Copied' : 'Copy failed';
  announce(ok ? `Copied ${button.getAttribute('aria-label').replace(/^Copy /, '')}.` : 'Copying failed.');
  setTimeout(() => { button.textContent = 'Copy'; }, 1500);
});

/**
 * The live region: a one-line summary of what just changed, for screen readers. It is visually
 * hidden (style.css `.status`): everything it says is also on the page where it happened, and a
 * floating bar would cover the control someone just typed into.
 */
function announce(text) {
  const status = $('status');
  status.textContent = text;
}

function errorBox(title, err) {
  return h('div', { class: 'error-box' },
    h('p', {}, h('strong', {}, title), ' ', err.message),
    err.code ? h('p', { class: 'hint' }, 'Error code: ', h('code', {}, err.code)) : null);
}

// ---------------------------------------------------------------- input

controls.file.addEventListener('change', () => {
  const file = controls.file.files[0];
  if (file) readFile(file);
});

const drop = $('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files?.[0];
  if (file) readFile(file);
});
// A file dropped elsewhere on the page must not make the browser navigate to it.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

async function readFile(file) {
  input = new Uint8Array(await file.arrayBuffer());
  inputName = `${file.name} (${file.size} bytes)`;
  controls.paste.value = '';
  update();
}

let timer = 0;
function later() {
  clearTimeout(timer);
  timer = setTimeout(update, 120);
}

controls.paste.addEventListener('input', () => {
  controls.file.value = '';
  input = controls.paste.value.trim() === '' ? null : controls.paste.value;
  inputName = 'the pasted text';
  later();
});
for (const control of [controls.password, controls.expected, controls.client]) {
  control.addEventListener('input', later);
}

// ---------------------------------------------------------------- rendering

function options() {
  return controls.password.value === '' ? {} : { password: controls.password.value };
}

const FORMAT_NAMES = { pem: 'PEM', der: 'DER', base64: 'base64', hex: 'hex', pkcs7: 'PKCS#7', pkcs12: 'PKCS#12' };
const FORM_NAMES = { sha1: 'SHA-1 thumbprint', sha256: 'SHA-256 thumbprint', x5t: 'x5t', 'x5t#S256': 'x5t#S256' };

function update() {
  const summary = [];
  const read = renderCertificates(summary);
  const comparison = renderComparison(read, summary);
  renderExplanation(read, summary);
  renderSnippets(read, comparison);
  lastRead = read;
  tokenBox.update();
  if (summary.length) announce(summary.join(' '));
}

/** Reads the input and lists its certificates; returns the core's answer or null. */
function renderCertificates(summary) {
  const list = $('certificates');
  const errorEl = $('input-error');
  const source = $('source');
  list.replaceChildren();
  errorEl.hidden = true;
  source.hidden = input === null;
  if (input === null) return null;
  let read;
  try {
    read = certbind.readCertificates(input, options());
  } catch (err) {
    errorEl.replaceChildren(errorBox('The certificate could not be read:', err));
    if (err.code === 'Pkcs12PasswordRequired' || err.code === 'Pkcs12WrongPassword') {
      errorEl.append(h('p', {}, 'Type the password in the “Password” field above.'));
    }
    errorEl.hidden = false;
    source.textContent = `Reading ${inputName}.`;
    summary.push(`The certificate could not be read: ${err.message}.`);
    return null;
  }
  const n = read.certificates.length;
  let line = `Read ${n} certificate${n === 1 ? '' : 's'} from ${inputName} (${FORMAT_NAMES[read.format] ?? read.format}).`;
  if (read.keyCertificate !== null) line += ` The private key belongs to #${read.keyCertificate + 1}.`;
  source.textContent = line;
  summary.push(line);
  for (const note of read.notes) source.append(h('span', { class: 'note' }, ` Note: ${note}.`));
  const now = Date.now() / 1000;
  for (const cert of read.certificates) list.append(certificateCard(cert, now));
  return read;
}

function certificateCard(c, now) {
  const n = c.index + 1;
  const headingId = `cert-${c.index}-heading`;
  const title = h('h3', { id: headingId }, `#${n} `, c.subject || '(empty subject)',
    c.hasPrivateKey ? h('span', { class: 'badge key' }, 'private key') : null,
    h('span', { class: 'badge match', id: `cert-${c.index}-match`, hidden: true }, 'matches'));
  const prints = h('dl', { class: 'prints' },
    h('dt', {}, 'SHA-1 ', h('span', { class: 'hint' }, '(IdentityServer X509CertificateThumbprint, Windows “Thumbprint”)')),
    h('dd', {}, copyable(c.sha1, `SHA-1 of certificate #${n}`)),
    h('dt', {}, 'SHA-256'),
    h('dd', {}, copyable(c.sha256, `SHA-256 of certificate #${n}`)),
    h('dt', {}, 'x5t ', h('span', { class: 'hint' }, '(base64url SHA-1)')),
    h('dd', {}, copyable(c.x5t, `x5t of certificate #${n}`)),
    h('dt', {}, 'x5t#S256 ', h('span', { class: 'hint' }, '(base64url SHA-256, RFC 8705 token binding)')),
    h('dd', {}, copyable(c['x5t#S256'], `x5t#S256 of certificate #${n}`)),
    c.spkiSha256 === null ? null : [
      h('dt', { class: 'not-thumbprint' }, 'Public-key SHA-256 — not a thumbprint'),
      h('dd', {}, copyable(c.spkiSha256, `public-key SHA-256 of certificate #${n}`),
        h('p', { class: 'hint' }, 'Identifies the key, not the certificate: it stays the same when a certificate is renewed with the same key. Do not register it as a thumbprint.')),
    ]);

  let validity;
  if (now < c.notBeforeUnix) validity = h('span', { class: 'bad' }, 'not yet valid');
  else if (now > c.notAfterUnix) validity = h('span', { class: 'bad' }, `expired ${Math.floor((now - c.notAfterUnix) / 86400)} days ago`);
  // 9999-12-31T23:59:59Z: "no well-defined expiration date" (RFC 5280 4.1.2.5).
  else if (c.notAfterUnix === 253402300799) validity = h('span', { class: 'good' }, 'no expiration date (RFC 5280)');
  else validity = h('span', { class: 'good' }, `${Math.floor((c.notAfterUnix - now) / 86400)} days left`);

  // RFC 5280 4.2.1.12: without the extension any purpose is allowed; with it, clientAuth must
  // be listed (as rustls-webpki requires for TLS client certificates).
  const eku = c.extendedKeyUsage;
  const ekuWarning = eku.length > 0 && !eku.includes('clientAuth')
    ? h('p', { class: 'warn' }, 'Warning: the extended key usage does not allow TLS client authentication (clientAuth); a server that checks it will reject this certificate as a client certificate.')
    : null;
  const row = (label, ...value) => [h('dt', {}, label), h('dd', {}, ...value)];
  const details = h('dl', { class: 'details' },
    row('Subject', c.subject),
    row('Issuer', c.issuer, c.selfIssued ? h('span', { class: 'hint' }, ' (self-issued)') : null),
    row('Serial', h('code', {}, c.serial)),
    row('Valid from', c.notBefore),
    row('Valid until', c.notAfter, ' — ', validity),
    row('Alternative names', c.san.length ? c.san.map((s) => `${s.type}: ${s.value}`).join(', ') : '(none)'),
    row('Key', c.keyAlgorithm),
    row('Signature', c.signatureAlgorithm),
    row('Extended key usage', eku.length ? eku.join(', ') : '(not present: any purpose)', ekuWarning),
    row('Key usage', c.keyUsage.length ? c.keyUsage.join(', ') : '(not present)'),
    row('Basic constraints', c.basicConstraints ? `CA: ${c.basicConstraints.ca ? 'yes' : 'no'}${c.basicConstraints.pathLen !== null ? `, path length ${c.basicConstraints.pathLen}` : ''}` : '(not present)'),
    row('Subject key identifier', c.subjectKeyId ? h('code', {}, c.subjectKeyId) : '(none)'),
    row('Authority key identifier', c.authorityKeyId ? h('code', {}, c.authorityKeyId) : '(none)'),
    c.warnings.length ? row('Warnings', c.warnings.join('; ')) : null);
  const classes = ['cert'];
  if (now > c.notAfterUnix || now < c.notBeforeUnix) classes.push('invalid-time');
  return h('article', { class: classes.join(' '), 'aria-labelledby': headingId, id: `cert-${c.index}` }, title, prints, details);
}

/** The pasted value, character by character, with invisible and removed characters visible. */
function pastedView(text, changes, badIndex) {
  const byIndex = new Map(changes.map((c) => [c.index, c]));
  const out = h('code', { class: 'pasted', id: 'pasted-view' });
  Array.from(text).forEach((ch, i) => {
    const change = byIndex.get(i);
    if (i === badIndex) {
      out.append(h('mark', { class: 'wrong', title: 'not allowed here' }, ch));
    } else if (!change || change.kind === 'case_folded' || change.kind === 'standard_base64') {
      // Kept, in a changed form: shown as pasted.
      out.append(ch);
    } else if (change.kind === 'invisible' || (change.kind === 'whitespace' && ch !== ' ')) {
      out.append(h('mark', { class: 'invisible', title: `${change.codePoint} ${change.name}` }, `⟨${change.codePoint}⟩`));
    } else {
      out.append(h('del', { title: `${change.codePoint} ${change.name} (removed)` }, ch === ' ' ? '␠' : ch));
    }
  });
  return out;
}

const KIND_WORDS = {
  invisible: 'removed (invisible character)',
  whitespace: 'removed (space or line break)',
  separator: 'removed (separator)',
  label: 'removed (label)',
  prefix: 'removed (prefix)',
  case_folded: 'made uppercase',
  standard_base64: 'changed to base64url',
  padding: 'removed (base64 padding)',
  quote: 'removed (quote)',
};

/**
 * What was cleaned: the core's summary by kind first (the lines `certbind normalize` prints),
 * then every character in a table behind a disclosure — a pasted SHA-1 with spaces is three
 * lines, not 36 rows.
 */
function changesView(normalized) {
  const { changes, summary } = normalized;
  if (changes.length === 0) return h('p', {}, 'Nothing had to be cleaned: the pasted value was already in canonical form.');
  return h('div', { class: 'cleaning' },
    h('p', { class: 'cleaning-heading', id: 'changes-heading' }, 'Cleaned from the pasted value:'),
    h('ul', { class: 'changes-summary', id: 'changes-summary', 'aria-labelledby': 'changes-heading' },
      summary.map((line) => h('li', {}, line))),
    h('details', { class: 'changes-details', id: 'changes-details' },
      h('summary', {}, `Every character, one row each (${changes.length})`),
      changesTable(changes)));
}

function changesTable(changes) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'changes' },
    h('caption', {}, `${changes.length} character${changes.length === 1 ? '' : 's'} cleaned from the pasted value`),
    h('thead', {}, h('tr', {}, ['Position', 'Character', 'Code point', 'Name', 'What was done'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, changes.map((c) => h('tr', {},
      h('td', {}, String(c.index)),
      h('td', {}, h('code', {}, c.kind === 'invisible' || c.kind === 'whitespace' ? `⟨${c.codePoint}⟩` : c.char)),
      h('td', {}, c.codePoint),
      h('td', {}, c.name),
      h('td', {}, KIND_WORDS[c.kind] ?? c.kind))))));
}

/** Compares the expected thumbprint with the input; returns the comparison or null. */
function renderComparison(read, summary) {
  const out = $('compare-result');
  out.replaceChildren();
  document.querySelectorAll('.badge.match').forEach((b) => { b.hidden = true; });
  const text = controls.expected.value;
  if (text.trim() === '' && !/[\u200B-\u200F\u202A-\u202E\u2060\uFEFF]/.test(text)) return null;
  let normalized;
  try {
    normalized = certbind.normalizeThumbprint(text);
  } catch (err) {
    out.append(h('div', { class: 'verdict invalid' }, 'Not a thumbprint'), errorBox('', err));
    if (typeof err.index === 'number') out.append(h('p', {}, 'Pasted value: ', pastedView(text, [], err.index)));
    summary.push(`The expected thumbprint is not valid: ${err.message}.`);
    return null;
  }
  const cleaned = h('div', { class: 'cleaned' },
    h('p', {}, 'Pasted value, invisible characters made visible: ', pastedView(text, normalized.changes, -1)),
    changesView(normalized),
    h('p', {}, `Cleaned value (${FORM_NAMES[normalized.form]}): `, copyable(normalized.value, 'cleaned thumbprint')));
  if (read === null) {
    out.append(h('p', { class: 'hint' }, 'Read a certificate above to compare.'), cleaned);
    summary.push(`Expected thumbprint recognised as ${FORM_NAMES[normalized.form]}.`);
    return null;
  }
  let comparison;
  try {
    comparison = certbind.compare(input, text, options());
  } catch (err) {
    out.append(errorBox('Could not compare:', err));
    return null;
  }
  if (comparison.matched) {
    const m = comparison.matches[0];
    const line = `Match: certificate #${m.index + 1} (${m.subject}) by its ${FORM_NAMES[m.form]}.`;
    out.append(h('div', { class: 'verdict match', id: 'verdict' }, '✓ ', line));
    for (const match of comparison.matches) {
      const badge = $(`cert-${match.index}-match`);
      if (badge) badge.hidden = false;
    }
    summary.push(line);
  } else {
    const line = `Mismatch: the pasted ${FORM_NAMES[comparison.expected.form]} is not the thumbprint of ${comparison.clientCertificates.length === 1 ? `certificate #${comparison.clientCertificates[0] + 1}` : 'any client certificate in the input'}.`;
    out.append(h('div', { class: 'verdict mismatch', id: 'verdict' }, '✗ ', line));
    summary.push(line);
  }
  if (comparison.nearMisses.length) {
    out.append(h('ul', { class: 'near-misses', 'aria-label': 'What the pasted value is instead' },
      comparison.nearMisses.map((miss) => h('li', { 'data-kind': miss.kind }, miss.message))));
    summary.push(comparison.nearMisses[0].message + '.');
  }
  if (comparison.expected.changes.some((c) => c.kind === 'invisible')) {
    summary.push(`${comparison.expected.changes.filter((c) => c.kind === 'invisible').length} invisible character(s) were removed from the pasted value.`);
  }
  out.append(cleaned);
  return comparison;
}

function renderExplanation(read, summary) {
  const out = $('explain-result');
  out.replaceChildren();
  const entry = controls.client.value;
  if (entry.trim() === '') return;
  if (typeof certbind.explain !== 'function') {
    out.append(h('p', { class: 'hint' }, 'Explaining client entries needs the full build of certbind.'));
    return;
  }
  if (read === null) {
    out.append(h('p', { class: 'hint' }, 'Read a certificate above to explain the entry.'));
    return;
  }
  let result;
  try {
    result = certbind.explain(entry, input, { ...options(), now: new Date() });
  } catch (err) {
    out.append(errorBox('The client entry could not be used:', err));
    if (Array.isArray(err.problems)) {
      out.append(h('ul', { class: 'problems' }, err.problems.map((p) => h('li', {}, `${p.line ? `line ${p.line}: ` : ''}${p.field}: ${p.message}`))));
    }
    summary.push(`The client entry could not be used: ${err.message}.`);
    return;
  }
  if (result.unknownClient !== null) {
    out.append(h('p', { class: 'error' }, `No client has client_id ${result.unknownClient}.`));
  }
  if (result.truncated) {
    const line = 'No client of the entry names this certificate, and it has too many clients to explain them all.';
    out.append(h('p', {}, line));
    summary.push(line);
  } else if (result.clients.length === 0) {
    out.append(h('p', {}, 'The entry has no clients.'));
    summary.push('The client entry has no clients.');
  }
  for (const explanation of result.clients) out.append(explanationView(explanation, summary));
  if (result.warnings.length) {
    out.append(h('p', {}, 'Warnings from loading the entry:'),
      h('ul', { class: 'warnings' }, result.warnings.map((w) => h('li', {}, `${w.line ? `line ${w.line}: ` : ''}${w.field}: ${w.message}`))));
  }
}

function explanationView(e, summary) {
  const accepted = e.decision.outcome === 'accepted';
  const line = accepted
    ? `Client ${e.clientId}: accepted by secret #${e.decision.secretIndex + 1} (${e.decision.secretType}, ${e.decision.method}).`
    : `Client ${e.clientId}: rejected.`;
  summary.push(line);
  const clientReasons = accepted ? [] : (e.decision.clientReasons ?? []);
  return h('div', { class: 'explanation', 'data-client': e.clientId },
    h('div', { class: `verdict ${accepted ? 'match' : 'mismatch'}` }, accepted ? '✓ ' : '✗ ', line),
    clientReasons.length ? h('ul', { class: 'client-reasons' }, clientReasons.map((r) => h('li', {}, r.message ?? r.code))) : null,
    h('ol', { class: 'reasons', 'aria-label': `One outcome per secret of client ${e.clientId}` },
      e.secrets.map((s) => h('li', { class: s.matched ? 'good' : '' },
        `Secret #${s.index + 1} (${s.type}${s.description ? `, ${s.description}` : ''}): ${s.message}`))));
}

/** The certificate the snippets are for: the matched one, else the key's, else the first leaf. */
function snippetCertificate(read, comparison) {
  if (comparison?.matched) return read.certificates[comparison.matches[0].index];
  if (read.keyCertificate !== null) return read.certificates[read.keyCertificate];
  return read.certificates.find((c) => !c.basicConstraints?.ca) ?? read.certificates[0];
}

function renderSnippets(read, comparison) {
  const out = $('snippets');
  if (read === null || read.certificates.length === 0) {
    out.replaceChildren(h('p', { class: 'hint' }, 'Read a certificate to get snippets for it.'));
    return;
  }
  const c = snippetCertificate(read, comparison);
  // JSON string syntax is valid TOML and C# string syntax for these values (no lone surrogates).
  const quoted = (s) => JSON.stringify(s);
  const description = `${c.subject} (valid until ${c.notAfter})`;
  const toml = [
    '[[clients]]',
    'client_id = "my-client"',
    'scopes = ["read"]',
    '',
    '[[clients.secrets]]',
    'type = "x509_thumbprint"',
    `value = ${quoted(c.sha1)}`,
    `description = ${quoted(description)}`,
    `# or, by SHA-256: type = "x509_thumbprint_sha256", value = ${quoted(c.sha256)}`,
  ].join('\n');
  const ids3 = [
    '// IdentityServer3 (IdentityServer3.Core.Constants)',
    'new Secret',
    '{',
    '    Type = Constants.SecretTypes.X509CertificateThumbprint,',
    `    Value = ${quoted(c.sha1)},`,
    `    Description = ${quoted(description)}`,
    '}',
  ].join('\n');
  const ids4 = [
    '// IdentityServer4 / Duende IdentityServer',
    'new Secret',
    '{',
    '    Type = IdentityServerConstants.SecretTypes.X509CertificateThumbprint,',
    `    Value = ${quoted(c.sha1)},`,
    `    Description = ${quoted(description)}`,
    '}',
  ].join('\n');
  out.replaceChildren(
    h('p', {}, `For certificate #${c.index + 1} (${c.subject}).`),
    h('h3', {}, 'certbind.toml client entry'),
    copyable(toml, 'certbind.toml client entry', { block: true }),
    h('h3', {}, 'IdentityServer3 secret'),
    copyable(ids3, 'IdentityServer3 secret', { block: true }),
    h('h3', {}, 'IdentityServer4 / Duende secret'),
    copyable(ids4, 'IdentityServer4 secret', { block: true }));
}

// ---------------------------------------------------------------- start

// The token box (token.mjs) checks a pasted token against the certificate read here.
let lastRead = null;
const tokenBox = initTokenBox(certbind, () => ({ input, options: options(), read: lastRead }), announce);

// Browsers may restore form values on reload; start from what the controls hold.
if (controls.paste.value.trim() !== '') input = controls.paste.value;
update();
document.body.dataset.ready = '1';
