#!/usr/bin/env node
// `npx certbind`: the Rust CLI's `thumbprint`, `inspect`, `normalize` and `explain` commands on
// the WebAssembly build, with the same options, the same JSON (byte for byte: the JSON comes from
// certbind-core's serde types) and the same exit codes: 0 success, 1 a negative answer (a
// rejected certificate), 2 a usage or input error. Text output follows the Rust CLI's layout.

import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const certbind = require('../dist/node/certbind_wasm.js');
const { version } = require('../package.json');

const EXIT_OK = 0;
const EXIT_REJECTED = 1;
const EXIT_INPUT_ERROR = 2;
/** The core's input limit (certbind-core Limits::DEFAULT.max_input_bytes). */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

const USAGE = `certbind ${version} (npm package, WebAssembly build of certbind-core)

Usage: certbind <COMMAND> [OPTIONS]

Commands:
  thumbprint FILE...  Print the thumbprints (SHA-1, SHA-256, x5t, x5t#S256) of every certificate
                      [--json] [--format text|json|idserver|openssl|x5t] [--password P]
  inspect FILE...     Show subject, issuer, serial, validity, SANs, key and extensions
                      [--json] [--password P]
  normalize [TEXT]    Clean a pasted thumbprint (invisible characters, colons, labels) and print it
                      [--json]   (reads standard input without TEXT)
  explain --config certbind.toml [--client ID] [--at RFC3339] [--chain FILE]... [--json]
          [--password P] CERTFILE
                      The core's decision for a certificate, one reason per secret

FILE "-" reads standard input. The PKCS#12 password may come from CERTBIND_PASSWORD, the
config file of explain from CERTBIND_CONFIG.
Exit codes: 0 success, 1 rejected, 2 usage or input error.`;

/** Writes `certbind: message` to stderr; returns the input-error exit code. */
function inputError(message) {
  process.stderr.write(`certbind: ${message}\n`);
  return EXIT_INPUT_ERROR;
}

/** Pretty JSON with a newline, as serde_json::to_writer_pretty + writeln! prints it. */
function printJson(value) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return EXIT_OK;
}

/** For --json runs that fail: `{"error": {"code", "message"}}` on stdout, the message on stderr. */
function jsonError(code, message) {
  printJson({ error: { code, message } });
  return inputError(message);
}

/** The Rust CLI's wording of an I/O error (`std::io::Error`'s Display). */
function ioMessage(e) {
  const words = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    EPERM: 'Operation not permitted',
  };
  if (words[e.code] && typeof e.errno === 'number') return `${words[e.code]} (os error ${-e.errno})`;
  return e.message;
}

/** Reads a whole input (`-` = stdin), refusing anything over the core's limit. */
function readInput(path) {
  let bytes;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    throw new Error(`${path}: ${ioMessage(e)}`);
  }
  if (bytes.length > MAX_INPUT_BYTES) {
    throw new Error(`${path}: larger than ${MAX_INPUT_BYTES} bytes, the input limit; is this a certificate file?`);
  }
  return bytes;
}

function decodeOptions(password) {
  return password === undefined ? undefined : { password };
}

/** Parses `argv` for one command; usage errors become exit code 2. */
function parse(argv, options, allowPositionals = true) {
  return parseArgs({ args: argv, options, allowPositionals, strict: true });
}

const FORMAT_NAMES = { pem: 'PEM', der: 'DER', base64: 'base64', hex: 'hex', pkcs7: 'PKCS#7', pkcs12: 'PKCS#12' };

// ---------------------------------------------------------------- thumbprint

function thumbprint(argv) {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' },
    format: { type: 'string', default: 'text' },
    password: { type: 'string' },
  });
  const formats = ['text', 'json', 'idserver', 'openssl', 'x5t'];
  if (!formats.includes(values.format)) {
    return inputError(`invalid value '${values.format}' for '--format <FORMAT>' (possible values: ${formats.join(', ')})`);
  }
  if (positionals.length === 0) return inputError('thumbprint needs at least one FILE');
  const format = values.json ? 'json' : values.format;
  const password = values.password ?? process.env.CERTBIND_PASSWORD;
  const files = [];
  for (const path of positionals) {
    try {
      const bytes = readInput(path);
      if (format === 'json') {
        files.push({ path, rows: JSON.parse(certbind.thumbprintsJson(bytes, decodeOptions(password))) });
      } else {
        files.push({ path, read: certbind.readCertificates(bytes, decodeOptions(password)) });
      }
    } catch (e) {
      const message = e.code ? `${path}: ${e.message}` : e.message;
      return format === 'json' ? jsonError('input', message) : inputError(message);
    }
  }
  if (format === 'json') {
    return printJson(files.flatMap(({ path, rows }) => rows.map((row) => ({ file: path, ...row }))));
  }
  const out = [];
  const manyFiles = files.length > 1;
  for (const { path, read } of files) {
    const certs = read.certificates;
    const prefix = manyFiles ? `${path}: ` : '';
    if (format === 'text') {
      let head = `${path}: ${certs.length} certificate${certs.length === 1 ? '' : 's'} (${FORMAT_NAMES[read.format] ?? 'other'})`;
      if (read.keyCertificate !== null) head += `; the private key belongs to #${read.keyCertificate + 1}`;
      out.push(head);
      for (const c of certs) {
        out.push(`#${c.index + 1} ${c.subject}${c.hasPrivateKey ? '  [has private key]' : ''}`);
        out.push(`  SHA-1 (IdentityServer)  ${c.sha1}`);
        out.push(`  SHA-256                 ${c.sha256}`);
        out.push(`  x5t                     ${c.x5t}`);
        out.push(`  x5t#S256                ${c['x5t#S256']}`);
        if (c.spkiSha256 !== null) out.push(`  public key SHA-256      ${c.spkiSha256}  (identifies the key, not a thumbprint)`);
      }
      for (const note of read.notes) out.push(`  note: ${note}`);
    } else if (format === 'idserver') {
      for (const c of certs) out.push(`${prefix}${c.sha1}`);
    } else if (format === 'x5t') {
      for (const c of certs) out.push(`${prefix}${c['x5t#S256']}`);
    } else if (format === 'openssl') {
      for (const c of certs) {
        out.push(`SHA1 Fingerprint=${colonPairs(c.sha1)}`);
        out.push(`SHA256 Fingerprint=${colonPairs(c.sha256)}`);
      }
    }
  }
  process.stdout.write(out.map((l) => `${l}\n`).join(''));
  return EXIT_OK;
}

/** `AABB…` as `AA:BB:…`, OpenSSL's fingerprint form. */
function colonPairs(hex) {
  return hex.match(/../g)?.join(':') ?? hex;
}

// ---------------------------------------------------------------- inspect

function inspect(argv) {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' },
    password: { type: 'string' },
  });
  if (positionals.length === 0) return inputError('inspect needs at least one FILE');
  const password = values.password ?? process.env.CERTBIND_PASSWORD;
  const files = [];
  for (const path of positionals) {
    try {
      const bytes = readInput(path);
      const rows = values.json
        ? JSON.parse(certbind.inspectJson(bytes, decodeOptions(password)))
        : certbind.inspect(bytes, decodeOptions(password));
      files.push({ path, rows });
    } catch (e) {
      const message = e.code ? `${path}: ${e.message}` : e.message;
      return values.json ? jsonError('input', message) : inputError(message);
    }
  }
  if (values.json) {
    return printJson(files.flatMap(({ path, rows }) => rows.map((row) => ({ file: path, ...row }))));
  }
  const now = Math.floor(Date.now() / 1000);
  const out = [];
  for (const { path, rows } of files) {
    for (const r of rows) out.push(...inspectText(path, r, now));
  }
  process.stdout.write(out.map((l) => `${l}\n`).join(''));
  return EXIT_OK;
}

function inspectText(file, r, now) {
  const none = (items) => (items.length ? items.join(', ') : '(none)');
  const lines = [
    `${file} #${r.index + 1}${r.hasPrivateKey ? '  [has private key]' : ''}`,
    `  Subject              ${r.subject}`,
    `  Issuer               ${r.issuer}`,
    `  Serial               ${r.serial}`,
    `  Version              ${r.version}`,
    `  Not before           ${r.notBefore}`,
    `  Not after            ${r.notAfter}${validityState(r.notBeforeUnix, r.notAfterUnix, now)}`,
    `  Key                  ${r.keyAlgorithm}`,
    `  Signature            ${r.signatureAlgorithm}`,
    `  Alternative names    ${none(r.san.map((s) => `${s.type}:${s.value}`))}`,
    `  Extended key usage   ${none(r.extendedKeyUsage)}`,
    `  Key usage            ${none(r.keyUsage)}`,
  ];
  const bc = r.basicConstraints;
  lines.push(
    bc
      ? `  Basic constraints    CA:${bc.ca ? 'TRUE' : 'FALSE'}${bc.pathLen !== null ? `, path length ${bc.pathLen}` : ''}`
      : '  Basic constraints    (none)',
  );
  lines.push(`  Subject key id       ${r.subjectKeyId ?? '(none)'}`);
  lines.push(`  Authority key id     ${r.authorityKeyId ?? '(none)'}`);
  lines.push(`  Self-issued          ${r.selfIssued ? 'yes' : 'no'}`);
  lines.push(`  SHA-1 (IdentityServer) ${r.sha1}`);
  lines.push(`  SHA-256              ${r.sha256}`);
  lines.push(`  x5t                  ${r.x5t}`);
  lines.push(`  x5t#S256             ${r['x5t#S256']}`);
  if (r.spkiSha256 !== null) lines.push(`  Public key SHA-256   ${r.spkiSha256}  (identifies the key, not a thumbprint)`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

/** 9999-12-31T23:59:59Z: "no well-defined expiration date" (RFC 5280 4.1.2.5). */
const NO_EXPIRATION = 253402300799;

function validityState(notBefore, notAfter, now) {
  if (now < notBefore) return ' (NOT YET VALID)';
  if (now > notAfter) return ' (EXPIRED)';
  if (notAfter === NO_EXPIRATION) return ' (no expiration date, RFC 5280)';
  return ` (${Math.trunc((notAfter - now) / 86400)} days left)`;
}

// ---------------------------------------------------------------- normalize

function normalize(argv) {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length > 1) return inputError('normalize takes at most one TEXT');
  let text = positionals[0];
  if (text === undefined) {
    const bytes = readFileSync(0).subarray(0, 64 * 1024);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return inputError('standard input is not UTF-8 text');
    }
    if (text.endsWith('\n')) {
      text = text.slice(0, -1);
      if (text.endsWith('\r')) text = text.slice(0, -1);
    }
  }
  if (values.json) {
    try {
      process.stdout.write(`${certbind.normalizeThumbprintJson(text)}\n`);
      return EXIT_OK;
    } catch (e) {
      return jsonError(e.code, e.message);
    }
  }
  let n;
  try {
    n = certbind.normalizeThumbprint(text);
  } catch (e) {
    return inputError(e.message);
  }
  process.stdout.write(`${n.value}\n`);
  const forms = {
    sha1: 'SHA-1 (40 hex digits)',
    sha256: 'SHA-256 (64 hex digits)',
    x5t: 'x5t (base64url SHA-1)',
    'x5t#S256': 'x5t#S256 (base64url SHA-256)',
  };
  // The Rust CLI's report (host-actix/src/cli/normalize.rs): the form, then the core's summary
  // by kind; the parity tests compare the two byte for byte.
  const err = [`certbind: recognised as ${forms[n.form] ?? 'thumbprint'}`, ...n.summary.map((line) => `certbind: ${line}`)];
  process.stderr.write(err.map((l) => `${l}\n`).join(''));
  return EXIT_OK;
}

// ---------------------------------------------------------------- explain

/** The Rust CLI's limits (host-actix/src/registry.rs): the config file (a registry of 100,000
 *  clients is ~15 MB of TOML), and each file the registry names. */
const MAX_CONFIG_BYTES = 256 * 1024 * 1024;
const MAX_REGISTRY_FILE_BYTES = 1024 * 1024;

/** Reads a whole file of at most `limit` bytes, checking the size before reading. */
function readBounded(path, limit) {
  try {
    const { size } = statSync(path);
    if (size > limit) throw new Error(`${path}: ${size} bytes; the limit is ${limit}`);
    return readFileSync(path);
  } catch (e) {
    throw e.code ? new Error(`${path}: ${ioMessage(e)}`) : e;
  }
}

/** The config file as text. */
function readConfig(path) {
  const bytes = readBounded(path, MAX_CONFIG_BYTES);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${path}: not UTF-8 text`);
  }
}

/** Reads a file the registry names, as the Rust CLI does: next to the config, at most 1 MiB. */
function readRegistryFile(configDir, path) {
  return readBounded(join(configDir, path), MAX_REGISTRY_FILE_BYTES);
}

/**
 * `certbind explain`: certbind-core's explain report (the same data and the same words as the
 * Rust CLI, both from certbind-core's ExplainReport), exit 0 accepted, 1 rejected, 2 input error.
 */
function explain(argv) {
  if (typeof certbind.explainJson !== 'function') return inputError('explain is not available in this build');
  const { values, positionals } = parse(argv, {
    config: { type: 'string', short: 'c' },
    client: { type: 'string' },
    at: { type: 'string' },
    chain: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    password: { type: 'string' },
  });
  const config = values.config ?? process.env.CERTBIND_CONFIG;
  if (!config) return inputError('explain needs --config FILE');
  if (positionals.length !== 1) return inputError('explain needs exactly one CERTFILE');
  const fail = (message) => (values.json ? jsonError('InputError', message) : inputError(message));
  const [certfile] = positionals;
  const password = values.password ?? process.env.CERTBIND_PASSWORD;
  let cert;
  let chain;
  try {
    // The certificate files first, each named in its own errors, as the Rust CLI reads them.
    cert = decodeFile(certfile, password);
    chain = (values.chain ?? []).map((path) => decodeFile(path, undefined));
  } catch (e) {
    return fail(e.message);
  }
  let registry;
  try {
    registry = readConfig(config);
  } catch (e) {
    return fail(e.message);
  }
  const options = {
    clientId: values.client,
    now: values.at,
    chain,
    password,
    // certbind.toml holds more than the registry ([server], …): ignore the other tables.
    embedded: true,
    readFile: (path) => readRegistryFile(dirname(config), path),
  };
  let report;
  try {
    report = certbind.explainJson(registry, cert, options);
  } catch (e) {
    // Which input failed: the time, the registry, else the certificate (its validity).
    if (e.code === 'InvalidTime') return fail(`--at: ${e.message}`);
    if (e.code === 'Registry') return fail(`${config}: ${e.message}`);
    return fail(e.code ? `${certfile}: ${e.message}` : e.message);
  }
  const data = JSON.parse(report);
  if (data.unknown_client !== null) return fail(`${config}: no client has client_id ${JSON.stringify(data.unknown_client)}`);
  if (values.json) {
    process.stdout.write(`${report}\n`);
  } else {
    for (const w of data.warnings) process.stderr.write(`certbind: warning: ${config}: ${problemText(w)}\n`);
    process.stdout.write(certbind.explainText(registry, cert, options));
  }
  return data.accepted ? EXIT_OK : EXIT_REJECTED;
}

/** Reads a certificate file and checks that it decodes; errors name the file. */
function decodeFile(path, password) {
  const bytes = readInput(path);
  try {
    certbind.readCertificates(bytes, decodeOptions(password));
  } catch (e) {
    throw new Error(`${path}: ${e.message}`);
  }
  return bytes;
}

/** A registry problem in words, as certbind-core's `RegistryProblem` displays it. */
function problemText(p) {
  const line = p.line !== null ? `line ${p.line}: ` : '';
  const client = p.client_id !== null ? ` (client ${JSON.stringify(p.client_id)})` : '';
  return `${line}${p.field}${client}: ${p.message}`;
}

// ---------------------------------------------------------------- main

function main(argv) {
  const [command, ...rest] = argv;
  const commands = { thumbprint, inspect, normalize, explain };
  if (command === '--version' || command === '-V') {
    process.stdout.write(`certbind ${version}\n`);
    return EXIT_OK;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return command === undefined ? EXIT_INPUT_ERROR : EXIT_OK;
  }
  if (!Object.hasOwn(commands, command)) return inputError(`unrecognized subcommand '${command}'\n\n${USAGE}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  try {
    return commands[command](rest);
  } catch (e) {
    // parseArgs usage errors (unknown option, missing value).
    if (e.code?.startsWith?.('ERR_PARSE_ARGS')) return inputError(e.message);
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
