// The size budgets (scripts/size.mjs: `certbind/lite` ≤ 88 KB and the full build ≤ 410 KB,
// gzip -9), on the files the build wrote: each shipped web .wasm is re-measured here, the table
// is printed, and a build past its budget fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { BUDGETS, measure, sizeTable } from '../scripts/size.mjs';
import { DIST } from './builds.mjs';

const rows = Object.entries(BUDGETS).map(([name, { dir }]) => ({ name, dir, ...measure(join(DIST, dir, 'certbind_wasm_bg.wasm')) }));
const table = sizeTable(rows);
console.log(`certbind wasm sizes in bytes:\n${table}`);

for (const { name, dir, gzip } of rows) {
  const { entry, gzip: budget } = BUDGETS[name];
  test(`${entry} (dist/${dir}) is within its budget of ${budget / 1000} KB gzipped`, () => {
    assert.ok(gzip <= budget, `${entry}: ${gzip} bytes gzipped > budget ${budget}\n${table}`);
  });
}
