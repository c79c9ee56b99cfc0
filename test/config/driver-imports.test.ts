/**
 * Drivers are built from their typed settings: they import only types from
 * config/, and transport/ knows nothing of config at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(import.meta.dirname, '..', '..', 'src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

/** each `import … from '<spec>'` / `export … from '<spec>'` statement with its specifier */
function imports(file: string): Array<{ stmt: string; spec: string }> {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)';/gms)].map((m) => ({ stmt: m[0], spec: m[1] }));
}

test('sources/ and destinations/ import only types from config/', () => {
  let seen = 0;
  for (const dir of ['sources', 'destinations']) {
    for (const file of tsFiles(path.join(SRC, dir))) {
      for (const { stmt, spec } of imports(file)) {
        if (!spec.includes('/config/')) continue;
        seen++;
        assert.match(stmt, /^(import|export) type /, `${path.relative(SRC, file)}: ${stmt.split('\n')[0]}`);
      }
    }
  }
  assert.ok(seen > 0, 'the drivers do read config types');
});

test('transport/ imports nothing from config/', () => {
  for (const file of tsFiles(path.join(SRC, 'transport'))) {
    for (const { stmt, spec } of imports(file)) assert.ok(!spec.includes('/config/'), `${path.relative(SRC, file)}: ${stmt.split('\n')[0]}`);
  }
});
