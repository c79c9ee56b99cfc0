/** Where a run's messages come from: exact totals across connections, file lines in order, stdin. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { FeedError, LineFeed, SyntheticFeed } from '../../src/send/feed.ts';
import { tempDir } from '../helpers/peers.ts';

test('a count is granted exactly, however the batches are asked for', () => {
  const f = new SyntheticFeed({ count: 1000 });
  let total = 0;
  for (let i = 0; i < 100; i++) total += f.grant(i % 2 ? 256 : 37);
  assert.equal(total, 1000);
  assert.equal(f.grant(10), 0);
  assert.equal(f.planned(), 1000);
});

test('a duration ends the grants; stop() ends them early', () => {
  const f = new SyntheticFeed({ durationS: 1, now: Date.now() - 2000 });
  assert.equal(f.grant(10), 0);
  const g = new SyntheticFeed({ count: 10 });
  g.stop();
  assert.equal(g.grant(10), 0);
});

async function drain(f: LineFeed): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const n = await f.grant(3);
    if (n === 0) return out;
    for (let j = 0; j < n; j++) out.push(f.nextLine()!);
  }
  throw new Error('feed did not end');
}

test('file lines in order, CRLF and empty lines handled, --count caps them', async () => {
  const d = tempDir('lf-feed');
  try {
    const p = join(d.path, 'in.txt');
    writeFileSync(p, 'one\r\ntwo\n\nthree\nfour');
    const all = new LineFeed({ path: p });
    assert.deepEqual(await drain(all), ['one', 'two', 'three', 'four']);
    assert.equal(all.planned(), 4);
    const capped = new LineFeed({ path: p, count: 2 });
    assert.deepEqual(await drain(capped), ['one', 'two']);
    assert.equal(capped.planned(), 2);
    assert.throws(() => new LineFeed({ path: join(d.path, 'missing.txt') }), (e: Error) => e instanceof FeedError && /missing\.txt: no such file/.test(e.message));
  } finally {
    d.remove();
  }
});

test('stdin lines arrive as they are written; the feed waits for them', async () => {
  const input = new PassThrough();
  const f = new LineFeed({ path: '-', stdin: input });
  const first = f.grant(10);
  assert.ok(first instanceof Promise, 'nothing to send yet');
  input.write('a\nb\n');
  const n = await first;
  assert.ok(n >= 1, 'granted once a line arrived');
  const got = Array.from({ length: n }, () => f.nextLine());
  input.end('c\n');
  assert.deepEqual([...got, ...(await drain(f))], ['a', 'b', 'c']);
  assert.equal(f.planned(), 3);
});

test('a read error ends the input: the lines before it are still granted, the error is kept', async () => {
  const input = new PassThrough();
  const f = new LineFeed({ path: '-', stdin: input });
  input.write('a\n');
  await new Promise((r) => setImmediate(r));
  input.destroy(new Error('disk gone'));
  assert.deepEqual(await drain(f), ['a']);
  assert.equal(f.readError, '--from-file -: disk gone');
});
