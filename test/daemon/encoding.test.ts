/**
 * encoding() end to end: a file() source in ISO-8859-2 reaches a file()
 * destination as UTF-8, with bytes invalid in that charset gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManagedProcess, REPO_ROOT, tempDir, waitForLines } from '../helpers/peers.ts';

const MAIN = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

test('file() source with encoding("iso-8859-2") writes UTF-8', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('lf-encoding');
  t.after(() => dir.remove());
  const input = path.join(dir.path, 'in.log');
  const out = path.join(dir.path, 'out.log');
  fs.writeFileSync(input, Buffer.from('<13>Nov 23 10:00:00 h prog: \xe1rv\xedzt\xfbr\xf5 t\xfck\xf6rf\xfar\xf3g\xe9p\n<13>Nov 23 10:00:01 h prog: plain\n', 'latin1'));
  const cfg = path.join(dir.path, 'logferry.conf');
  fs.writeFileSync(
    cfg,
    `@version: 4.27
options { keep-hostname(yes); use-dns(no); };
source s_in { file("${input}" follow-freq(1) encoding("ISO-8859-2")); };
destination d_out { file("${out}" template("\${PROGRAM}|\${MSG}\\n")); };
log { source(s_in); destination(d_out); };
`,
  );
  const proc = new ManagedProcess(process.execPath, [MAIN, '-F', '-f', cfg, '-p', path.join(dir.path, 'pid')], { name: 'logferry' });
  t.after(() => proc.stop(3000));
  // waitForLines reads latin1; the file holds UTF-8
  const lines = (await waitForLines(out, 2, 15_000)).map((l) => Buffer.from(l, 'latin1').toString('utf8'));
  assert.deepEqual(lines.slice(0, 2), ['prog|árvíztűrő tükörfúrógép', 'prog|plain']);
  const raw = fs.readFileSync(out);
  assert.ok(raw.includes(Buffer.from('ű', 'utf8')), 'UTF-8 bytes on disk');
});

test('an unknown encoding() name is a config error at its location', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('lf-encoding-bad');
  t.after(() => dir.remove());
  const cfg = path.join(dir.path, 'logferry.conf');
  fs.writeFileSync(cfg, `@version: 4.27\nsource s { file("${dir.path}/in" encoding("ebcdic-xx")); };\ndestination d { file("${dir.path}/out"); };\nlog { source(s); destination(d); };\n`);
  const proc = new ManagedProcess(process.execPath, [MAIN, '-F', '-f', cfg, '-p', path.join(dir.path, 'pid')], { name: 'logferry' });
  t.after(() => proc.stop(3000));
  const exit = await proc.exited;
  assert.notEqual(exit.code, 0);
  assert.match(proc.stderr, /unknown encoding 'ebcdic-xx' in encoding\(\); supported: UTF-8/);
  assert.match(proc.stderr, /logferry\.conf:2:\d+/);
});
