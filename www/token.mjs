// The checker page's token box: paste an access token (a JWT) and, with a certificate read in
// section 1, see its header and claims and whether its `cnf` binds it to that certificate — the
// answer and the near-miss hints come from certbind-core (checkBinding), the same words as the
// Rust extractor, the CLIs and certbind/api. Nothing leaves the page: the token is only decoded
// here (base64url and JSON, to show it), and its signature is checked (by jose, with WebCrypto)
// only when the issuer's JWKS is pasted too. Kept in its own module; app.mjs calls
// `initTokenBox` once and `update()` whenever the certificate changes.
import { createLocalJWKSet, jwtVerify } from 'jose';

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** A part of a compact JWS as JSON, or an error naming the part. */
function part(text, name) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error(`the token's ${name} is not base64url`);
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`the token's ${name} is not a JSON object`);
  return value;
}

/**
 * Wires the token box. `current()` returns `{ input, options, read }`: the certificate input of
 * section 1 (null when none), its decode options, and what the core read from it (or null).
 */
export function initTokenBox(certbind, current, announce) {
  const token = $('token');
  const jwks = $('jwks');
  const out = $('token-result');
  let generation = 0;

  async function update() {
    const mine = (generation += 1);
    out.replaceChildren();
    const text = token.value.trim().replace(/^Bearer\s+/i, '');
    if (text === '') return;
    const parts = text.split('.');
    let header;
    let claims;
    try {
      if (parts.length !== 3) throw new Error(`the token has ${parts.length} part(s); a JWT has 3 separated by '.'`);
      header = part(parts[0], 'header');
      claims = part(parts[1], 'claims');
    } catch (e) {
      out.append(el('div', { class: 'error-box', id: 'token-error' }, el('p', {}, el('strong', {}, 'Not a JWT:'), ' ', e.message)));
      announce(`The token is not a JWT: ${e.message}.`);
      return;
    }
    const view = el('div', { class: 'token-view' },
      el('h3', {}, 'Header'), el('pre', { class: 'value', id: 'token-header' }, JSON.stringify(header, null, 2)),
      el('h3', {}, 'Claims'), el('pre', { class: 'value', id: 'token-claims' }, JSON.stringify(claims, null, 2)));
    const { input, options, read } = current();
    let bindingLine;
    if (input === null || read === null) {
      out.append(el('p', { class: 'hint', id: 'token-binding' }, 'Read a certificate above to check the token\'s binding (cnf) against it.'));
      bindingLine = 'Read a certificate to check the binding.';
    } else {
      const b = certbind.checkBinding(claims.cnf ?? null, input, options);
      const verdict = el('div', { class: `verdict ${b.bound ? 'match' : 'mismatch'}`, id: 'token-binding', 'data-outcome': b.outcome }, b.bound ? '✓ ' : '✗ ', b.message);
      out.append(verdict);
      if (b.hints.length) {
        out.append(el('ul', { class: 'near-misses', id: 'token-hints', 'aria-label': 'What the token\'s cnf is instead' },
          b.hints.map((h) => el('li', { 'data-kind': h.kind }, h.message))));
      }
      bindingLine = `${b.bound ? 'Bound' : 'Not bound'}: ${b.message}.`;
    }
    const signature = el('p', { id: 'token-signature' }, 'Signature: not checked (paste the issuer\'s JWKS to check it).');
    out.append(signature, view);
    announce(bindingLine);
    if (jwks.value.trim() === '') return;
    let set;
    try {
      set = JSON.parse(jwks.value);
    } catch (e) {
      signature.textContent = `Signature: the JWKS is not JSON (${e.message}).`;
      return;
    }
    try {
      // Signature and typ only: the page knows neither the issuer nor the API's audience, and
      // reports the times without failing on them.
      await jwtVerify(text, createLocalJWKSet(set), { typ: 'at+jwt', currentDate: new Date((claims.iat ?? 0) * 1000) });
      if (mine === generation) signature.textContent = `Signature: verified with the pasted JWKS (${header.alg}, kid ${header.kid ?? 'none'}).`;
    } catch (e) {
      if (mine === generation) signature.textContent = `Signature: NOT verified with the pasted JWKS: ${e.message}`;
    }
    if (mine === generation && typeof claims.exp === 'number') {
      const left = claims.exp - Date.now() / 1000;
      signature.append(left > 0 ? ` The token expires in ${Math.floor(left / 60)} minute(s).` : ` The token expired ${Math.floor(-left / 60)} minute(s) ago.`);
    }
  }

  for (const control of [token, jwks]) control.addEventListener('input', () => { update(); });
  return { update };
}
