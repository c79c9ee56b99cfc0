/** Shared helpers for the config tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText, type Plan } from '../../src/config/index.ts';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'logferry-config-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function parse(text: string, file = 'test.conf', opts?: Parameters<typeof parseConfigText>[2]): Plan {
  return parseConfigText(text, file, opts);
}

/** Asserts that `text` fails at file:line:col with a message containing `message`. */
export function assertConfigError(
  text: string,
  where: string,
  message: string | RegExp,
  opts?: Parameters<typeof parseConfigText>[2],
  file = 'bad.conf',
): ConfigError {
  let caught: unknown;
  try {
    parseConfigText(text, file, opts);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  const loc = caught.loc;
  assert.ok(loc, 'error has a location');
  assert.equal(`${loc.file}:${loc.line}:${loc.column}`, where, `location of: ${caught.message}`);
  if (typeof message === 'string') assert.ok(caught.message.includes(message), `message ${JSON.stringify(caught.message)} should contain ${JSON.stringify(message)}`);
  else assert.match(caught.message, message);
  return caught;
}
