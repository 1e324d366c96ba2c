// The package's size decision, in one place: a budget per capability, in bytes of
// `gzip -9 -c file.wasm | wc -c` (what a page transfers). `certbind/lite` is what a page loads
// first (inspection, thumbprints, normalisation, compare); the full build adds PKCS#12, chain
// validation and explain. scripts/build.mjs prints the table; tests/size.test.mjs fails past a
// budget (and prints the table too).

import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';

/** Budgets by variant name (scripts/build.mjs VARIANTS), with the web build they apply to. */
export const BUDGETS = {
  lite: { entry: 'certbind/lite', dir: 'lite-web', gzip: 88_000 },
  full: { entry: 'certbind', dir: 'web', gzip: 410_000 },
};

/** Bytes of `gzip -9 -c file`: exactly the measure the budgets are stated in. */
export function gzipSize(file) {
  const out = execFileSync('sh', ['-c', 'gzip -9 -c "$1" | wc -c', 'sh', file], { encoding: 'utf8' });
  return Number(out.trim());
}

/** One row per measured variant: { name, bytes, gzip }; the budget and verdict are added here. */
export function sizeTable(rows) {
  const lines = [`${'build'.padEnd(22)} ${'.wasm'.padStart(9)} ${'gzip -9'.padStart(9)} ${'budget'.padStart(9)}  verdict`];
  for (const { name, bytes, gzip } of rows) {
    const budget = BUDGETS[name];
    const verdict = budget === undefined ? '(measured only)' : gzip <= budget.gzip ? `ok (${budget.gzip - gzip} B left)` : `OVER by ${gzip - budget.gzip} B`;
    const label = budget ? `${name} (${budget.entry})` : name;
    lines.push(`${label.padEnd(22)} ${String(bytes).padStart(9)} ${String(gzip).padStart(9)} ${String(budget?.gzip ?? '').padStart(9)}  ${verdict}`);
  }
  return lines.join('\n');
}

/** Measures a file: { bytes, gzip }. */
export function measure(file) {
  return { bytes: statSync(file).size, gzip: gzipSize(file) };
}
