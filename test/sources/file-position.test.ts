/**
 * A file() source's position as the persist file keeps it: it advances only
 * past acknowledged lines (a crash re-reads what was not yet written), never
 * past an unterminated last line, and a saved position is used only for the
 * same file (inode) that did not shrink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { getCounter } from '../../src/core/stats.ts';
import { setInternalSinks } from '../../src/core/internal-log.ts';
import { FileSource } from '../../src/sources/file.ts';
import { PositionTracker, resumeOffset } from '../../src/sources/file-position.ts';
import type { Ack } from '../../src/pipeline/types.ts';
import type { LogMessage } from '../../src/message/log-message.ts';
import { defaultParseOptions } from '../../src/syslog/parse-options.ts';
import { ParseFlag } from '../../src/syslog/parse.ts';
import { tempDir } from '../helpers/peers.ts';

function source(path: string, name = 's'): FileSource {
  const parse = defaultParseOptions({ localHostname: 'h', daemonPid: 1 });
  parse.flags |= ParseFlag.NO_PARSE;
  return new FileSource({
    name,
    path,
    followFreqMs: 20,
    timeReopenMs: 50,
    reader: {
      framing: 'newline',
      maxMsgSize: 65536,
      trimLargeMessages: false,
      emptyLines: false,
      parse,
      hostRules: { keepHostname: false, chainHostnames: false, useDns: false, useFqdn: false, normalizeHostnames: false, sourceGroup: name },
      window: 100_000,
      tags: [],
      values: [],
      sender: { ip: '127.0.0.1' },
      local: true,
    },
  });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the tracker commits a chunk only when all its lines are acknowledged, in any order', () => {
  const t = new PositionTracker(10);
  t.begin();
  const a = t.routed();
  const b = t.routed();
  t.end(30);
  t.begin();
  const c = t.routed();
  t.end(50);
  assert.equal(t.committed, 10);
  c();
  assert.equal(t.committed, 10, 'a later chunk waits for the earlier one');
  b();
  assert.equal(t.committed, 10);
  a();
  assert.equal(t.committed, 50);
  t.begin();
  t.end(60); // a chunk with no complete line (only the start of one) commits nothing beyond it
  assert.equal(t.committed, 60);
});

test('resumeOffset: the same inode that did not shrink resumes; another inode or a shorter file starts over', () => {
  const stored = { pos: 100, inode: 7, size: 120 };
  assert.equal(resumeOffset(stored, 7, 120), 100);
  assert.equal(resumeOffset(stored, 7, 500), 100);
  assert.equal(resumeOffset(stored, 8, 500), undefined);
  assert.equal(resumeOffset(stored, 7, 110), undefined);
});

test('the position advances only past acknowledged lines, and never past an unterminated last line', async (t) => {
  const dir = tempDir('lf-pos-ack');
  t.after(() => dir.remove());
  const path = join(dir.path, 'in.log');
  fs.writeFileSync(path, 'one\ntwo\nthree\npart');
  const s = source(path);
  const held: Array<{ m: LogMessage; ack: Ack | undefined }> = [];
  await s.start((m, ack) => void held.push({ m, ack }));
  t.after(() => s.stop());
  await until(() => held.length === 3, 'three lines');
  assert.equal(s.position()!.pos, 0, 'nothing acknowledged yet: a crash now re-reads all three');
  held[0].ack!();
  held[1].ack!();
  assert.equal(s.position()!.pos, 0, 'the chunk waits for its last line');
  held[2].ack!();
  assert.equal(s.position()!.pos, 'one\ntwo\nthree\n'.length);
  assert.equal(s.position()!.inode, fs.statSync(path).ino);
  fs.appendFileSync(path, 'ial\n');
  await until(() => held.length === 4, 'the completed line');
  assert.equal(held[3].m.message, 'partial');
  held[3].ack!();
  assert.equal(s.position()!.pos, fs.statSync(path).size);
});

test('a saved position of the same file resumes there; one of a replaced file is reported once and the file read from its start', async (t) => {
  const dir = tempDir('lf-pos-resume');
  t.after(() => dir.remove());
  setInternalSinks([]);
  const path = join(dir.path, 'in.log');
  fs.writeFileSync(path, 'a\nb\nc\n');
  const ino = fs.statSync(path).ino;

  const same = source(path, 'same');
  same.resumeFrom({ pos: 4, inode: ino, size: 6 });
  const got: string[] = [];
  await same.start((m, ack) => (got.push(m.message), ack?.()));
  await until(() => got.length === 1, 'one line');
  await same.stop();
  assert.deepEqual(got, ['c']);

  const before = getCounter('file_position_resets_total', { source: 'other' });
  const other = source(path, 'other');
  other.resumeFrom({ pos: 4, inode: ino + 1, size: 6 });
  const all: string[] = [];
  await other.start((m, ack) => (all.push(m.message), ack?.()));
  await until(() => all.length === 3, 'three lines');
  await other.stop();
  assert.deepEqual(all, ['a', 'b', 'c']);
  assert.equal(getCounter('file_position_resets_total', { source: 'other' }) - before, 1);
});
