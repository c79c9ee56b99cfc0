/**
 * The persist file's format and its keeper in the main thread: versioned
 * JSON replaced atomically, unusable files refused with a reason and kept
 * aside, and positions saved while the daemon runs (what a crash keeps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/index.ts';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { defaultPersistFile, loadPersistFile, writePersistFile } from '../../src/daemon/main/persist-file.ts';
import { PersistKeeper } from '../../src/daemon/main/persist-keeper.ts';
import { tempDir, waitForLines, watchUntil } from '../helpers/peers.ts';

const entry = { pos: 10, inode: 42, size: 12 };

test('written atomically: the format name and version first, no temporary file left, read back the same', (t) => {
  const dir = tempDir('lf-persist-fmt');
  t.after(() => dir.remove());
  const file = join(dir.path, 'p.persist');
  writePersistFile(file, { 'affile_sd_curpos(/a)': entry });
  assert.deepEqual(fs.readdirSync(dir.path), ['p.persist']);
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /^\{\n {2}"format": "logferry-persist",\n {2}"version": 1,/);
  assert.deepEqual(loadPersistFile(file), { ok: true, entries: { 'affile_sd_curpos(/a)': entry } });
  assert.deepEqual(loadPersistFile(join(dir.path, 'missing')), { ok: true, entries: {} }, 'a missing file is an empty one');
});

test('versions: an unknown or newer version, a bad entry, or no format name is refused with its reason', (t) => {
  const dir = tempDir('lf-persist-ver');
  t.after(() => dir.remove());
  const cases: Array<[unknown, RegExp]> = [
    [{ format: 'logferry-persist', version: 0, entries: {} }, /version 0 is not a version logferry knows/],
    [{ format: 'logferry-persist', version: '1', entries: {} }, /version "1" is not a version/],
    [{ format: 'logferry-persist', version: 3, entries: {} }, /newer logferry \(format version 3; this one reads version 1\)/],
    [{ format: 'logferry-persist', version: 1, entries: { x: { pos: -1, inode: 1, size: 1 } } }, /entry "x" is not \{pos, inode, size\}/],
    [{ format: 'other', version: 1, entries: {} }, /not a logferry persist file/],
    [[1, 2], /not a logferry persist file/],
  ];
  for (const [i, [doc, reason]] of cases.entries()) {
    const file = join(dir.path, `p${i}.persist`);
    fs.writeFileSync(file, JSON.stringify(doc));
    const r = loadPersistFile(file);
    assert.equal(r.ok, false, JSON.stringify(doc));
    if (r.ok) continue;
    assert.match(r.reason, reason);
    assert.deepEqual(r.entries, {});
    assert.ok(r.aside && fs.existsSync(r.aside) && !fs.existsSync(file), 'moved aside, not deleted');
  }
});

test('a persist file that cannot be written is reported once, and once more when it is written again', (t) => {
  const dir = tempDir('lf-persist-save');
  t.after(() => dir.remove());
  const lines: InternalEvent[] = [];
  setInternalSinks([(ev) => void lines.push(ev)]);
  t.after(() => setInternalSinks([]));
  const sub = join(dir.path, 'sub');
  const k = new PersistKeeper(join(sub, 'p.persist'));
  k.load();
  k.update({ a: entry });
  k.update({ a: { ...entry, pos: 11 } });
  assert.equal(lines.filter((l) => /Cannot write the persist file/.test(l.text)).length, 1);
  fs.mkdirSync(sub);
  k.update({ a: { ...entry, pos: 12 } });
  assert.equal(lines.filter((l) => /persist file is written again/.test(l.text)).length, 1);
  assert.equal(loadPersistFile(join(sub, 'p.persist')).entries.a?.pos, 12);
});

test('the default persist file is beside the configuration file', () => {
  assert.equal(defaultPersistFile('/etc/logferry/logferry.conf'), '/etc/logferry/logferry.persist');
  assert.equal(defaultPersistFile('/srv/x/my.cfg'), '/srv/x/my.cfg.persist');
});

test('positions are saved while the daemon runs, within the save interval (a crash loses no more)', { timeout: 20_000 }, async (t) => {
  const dir = tempDir('lf-persist-periodic');
  t.after(() => dir.remove());
  setInternalSinks([]);
  const input = join(dir.path, 'in.log');
  const out = join(dir.path, 'out.log');
  const persist = join(dir.path, 'p.persist');
  const text = Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('');
  fs.writeFileSync(input, text);
  const plan = parseConfigText(
    `source s { file("${input}" follow-freq(0.05) flags(no-parse)); };\ndestination d { file("${out}" template("\${MSG}\\n")); };\nlog { source(s); destination(d); };\n`,
    join(dir.path, 'p.conf'),
  );
  const daemon = new Daemon(plan, { stderr: false, verbose: false, debug: false, pidfile: undefined, persistFile: persist, persistIntervalMs: 100 });
  t.after(() => daemon.stop());
  await daemon.start();
  await waitForLines(out, 100, 10_000);
  // no stop: what is on disk now is what a crash would leave
  const key = `affile_sd_curpos(${input})`;
  const pos = await watchUntil(
    persist,
    async () => {
      const r = loadPersistFile(persist);
      return r.entries[key]?.pos === text.length ? r.entries[key].pos : undefined;
    },
    5000,
    async () => (fs.existsSync(persist) ? fs.readFileSync(persist, 'utf8') : 'no persist file'),
  );
  assert.equal(pos, Buffer.byteLength(text));
  await daemon.stop();
});
