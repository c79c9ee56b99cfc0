/**
 * The persist file (-R) across real restarts of the daemon: a file() source
 * resumes where it stopped (each line delivered once), a rotated file is read
 * from its start, and a corrupt or newer-version persist file is reported in
 * one line, kept aside, and the daemon starts anyway.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLogferry, type DaemonHandle } from '../helpers/daemon.ts';
import { tempDir, waitForLines, watchUntil } from '../helpers/peers.ts';

const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');

interface Setup {
  dir: string;
  input: string;
  out: string;
  persist: string;
  start(): Promise<DaemonHandle>;
}

function setup(t: TestContext, name: string): Setup {
  const dir = tempDir(name);
  t.after(() => dir.remove());
  const input = join(dir.path, 'in.log');
  const out = join(dir.path, 'out.log');
  const config = `@version: 4.27
options { use-dns(no); };
source s { file("${input}" follow-freq(0.1) flags(no-parse)); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`;
  const started: DaemonHandle[] = [];
  t.after(async () => {
    for (const d of started) await d.stop();
  });
  return {
    dir: dir.path,
    input,
    out,
    // the harness passes -R <workdir>/daemon.persist
    persist: join(dir.path, 'daemon.persist'),
    async start() {
      const d = await startLogferry({ config, workdir: dir.path, readyStderr: /starting up/ });
      started.push(d);
      return d;
    },
  };
}

async function stopClean(d: DaemonHandle): Promise<void> {
  const e = await d.stop();
  assert.equal(e.code, 0, `clean exit; stderr:\n${d.stderr()}`);
}

function outLines(out: string): string[] {
  return readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
}

test('a file() source resumes after a restart: exactly the lines appended while stopped are delivered, once', { timeout: 30_000 }, async (t) => {
  const s = setup(t, 'lf-persist-resume');
  writeFileSync(s.input, lines(0, 300));
  let d = await s.start();
  await waitForLines(s.out, 300, 10_000);
  await stopClean(d);
  const saved = JSON.parse(readFileSync(s.persist, 'utf8'));
  assert.equal(saved.format, 'logferry-persist');
  assert.equal(saved.version, 1);
  const entry = saved.entries[`affile_sd_curpos(${s.input})`];
  assert.equal(entry.pos, Buffer.byteLength(lines(0, 300)), 'the saved offset is the end of the last line read');

  // appended while stopped, the last line still unterminated (a writer in the middle of it)
  appendFileSync(s.input, lines(300, 500) + 'line 5');
  d = await s.start();
  await waitForLines(s.out, 500, 10_000);
  // the rest of the unterminated line arrives after the stop; the next start reads it whole
  await stopClean(d);
  appendFileSync(s.input, '00\n');
  d = await s.start();
  await waitForLines(s.out, 501, 10_000);
  await stopClean(d);
  const got = outLines(s.out);
  assert.deepEqual(got, [...lines(0, 500).split('\n').filter(Boolean), 'line 500'], 'every line once, in order');
});

test('a rotated source file (renamed, a new one in its place) is read from its start after a restart', { timeout: 30_000 }, async (t) => {
  const s = setup(t, 'lf-persist-rotated');
  writeFileSync(s.input, lines(0, 100));
  let d = await s.start();
  await waitForLines(s.out, 100, 10_000);
  await stopClean(d);
  renameSync(s.input, s.input + '.1');
  // shorter and longer than the saved offset both count: the inode differs
  writeFileSync(s.input, lines(100, 350));
  d = await s.start();
  await waitForLines(s.out, 350, 10_000);
  await stopClean(d);
  assert.deepEqual(outLines(s.out), lines(0, 350).split('\n').filter(Boolean));
  assert.equal(d.stderr().match(/rotated or truncated since its position was saved/g)?.length, 1, d.stderr());
});

test('a truncated source file is read from its start after a restart', { timeout: 30_000 }, async (t) => {
  const s = setup(t, 'lf-persist-truncated');
  writeFileSync(s.input, lines(0, 100));
  let d = await s.start();
  await waitForLines(s.out, 100, 10_000);
  await stopClean(d);
  writeFileSync(s.input, lines(100, 110)); // same inode, shorter
  d = await s.start();
  await waitForLines(s.out, 110, 10_000);
  await stopClean(d);
  assert.deepEqual(outLines(s.out), lines(0, 110).split('\n').filter(Boolean));
});

for (const [what, text, reason] of [
  ['a corrupt persist file', '{"format": "logferry-persist", "version": 1, "entr', /not valid JSON/],
  ['a persist file of a newer version', JSON.stringify({ format: 'logferry-persist', version: 2, entries: {} }), /newer logferry \(format version 2; this one reads version 1\)/],
  ['a persist file without the format field', JSON.stringify({ version: 1, entries: {} }), /not a logferry persist file/],
] as const) {
  test(`${what}: one line, kept aside, and the sources start from their configured start`, { timeout: 30_000 }, async (t) => {
    const s = setup(t, 'lf-persist-bad');
    writeFileSync(s.input, lines(0, 50));
    writeFileSync(s.persist, text);
    const d = await s.start();
    await waitForLines(s.out, 50, 10_000);
    await stopClean(d);
    const reports = d.stderr().split('\n').filter((l) => /persist file cannot be used/.test(l));
    assert.equal(reports.length, 1, d.stderr());
    assert.match(reports[0], reason);
    assert.match(reports[0], new RegExp(`filename='?${s.persist.replace(/[.]/g, '\\.')}`));
    const aside = readdirSync(s.dir).filter((f) => f.startsWith('daemon.persist.bad-'));
    assert.equal(aside.length, 1, 'the bad file is kept aside, not deleted');
    assert.equal(readFileSync(join(s.dir, aside[0]), 'utf8'), text);
    // and a good file replaces it at the stop
    assert.ok(existsSync(s.persist));
    assert.equal(JSON.parse(readFileSync(s.persist, 'utf8')).version, 1);
    assert.equal(outLines(s.out).length, 50);
  });
}

test('after a crash (SIGKILL) the position saved while running is used: no line lost, none repeated once it was saved', { timeout: 30_000 }, async (t) => {
  const s = setup(t, 'lf-persist-crash');
  writeFileSync(s.input, lines(0, 300));
  let d = await s.start();
  await waitForLines(s.out, 300, 10_000);
  // saved within the save interval (5 s) without any stop
  const key = `affile_sd_curpos(${s.input})`;
  const want = Buffer.byteLength(lines(0, 300));
  await watchUntil(
    s.persist,
    async () => (existsSync(s.persist) && JSON.parse(readFileSync(s.persist, 'utf8')).entries?.[key]?.pos === want ? true : undefined),
    10_000,
    async () => (existsSync(s.persist) ? readFileSync(s.persist, 'utf8') : 'no persist file'),
  );
  process.kill(d.pid, 'SIGKILL');
  await d.process.exited;
  appendFileSync(s.input, lines(300, 400));
  d = await s.start();
  await waitForLines(s.out, 400, 10_000);
  await stopClean(d);
  assert.deepEqual(outLines(s.out), lines(0, 400).split('\n').filter(Boolean));
});
