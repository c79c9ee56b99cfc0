/**
 * A full disk under the running daemon: the destination file leads to
 * /dev/full (every write fails with ENOSPC; no root or mount needed), so the
 * daemon reports it in one line, keeps the messages queued and retries every
 * time-reopen(); once the path is a regular file again every message arrives
 * once, with one "written again" line, and the daemon never stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { tempDir, waitForLines } from '../helpers/peers.ts';

test('full disk: one line with the path and reason, retried, everything delivered after recovery, no crash', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('lf-full-disk');
  t.after(() => dir.remove());
  const input = join(dir.path, 'in.log');
  const out = join(dir.path, 'out.log');
  writeFileSync(input, Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join(''));
  symlinkSync('/dev/full', out);
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); time-reopen(1); };
source s { file("${input}" follow-freq(0.1) flags(no-parse)); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); flags(flow-control); };
`,
    workdir: dir.path,
    readyStderr: /starting up/,
  });
  t.after(() => d.stop());
  await d.process.waitForStderr(/Cannot write to the destination file/, 10_000);
  unlinkSync(out); // room again
  await waitForLines(out, 200, 10_000);
  await d.process.waitForStderr(/destination file is written again/, 10_000);
  assert.ok(d.process.running, 'still running');
  const e = await d.stop();
  assert.equal(e.code, 0);
  const failures = d.stderr().split('\n').filter((l) => /Cannot write to the destination file/.test(l));
  assert.equal(failures.length, 1, d.stderr());
  assert.match(failures[0], new RegExp(`filename='?${out.replace(/[.]/g, '\\.')}`));
  assert.match(failures[0], /ENOSPC|no space left/i);
  assert.equal(d.stderr().split('\n').filter((l) => /written again/.test(l)).length, 1);
  assert.deepEqual(readFileSync(out, 'utf8').split('\n').filter(Boolean), Array.from({ length: 200 }, (_, i) => `line ${i}`));
});
