/**
 * The certificate file watcher alone: a burst of changes is one check after the
 * debounce; a `..data` swap is seen through the directory; the content-hash poll
 * finds what no watch reported; only blocks whose content changed are named, and
 * content that does not change again is never named again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentHash, pollMsFromEnv, TlsWatcher, type WatchedBlock } from '../../src/daemon/main/tls-watcher.ts';
import { tempDir } from '../helpers/peers.ts';

/** Resolves with the next onChange call's keys, or rejects after `ms`. */
function nextChange(): { on: (keys: string[]) => void; wait: (ms: number) => Promise<{ keys: string[]; at: number }> } {
  const queue: Array<{ keys: string[]; at: number }> = [];
  let wake: (() => void) | undefined;
  return {
    on: (keys) => {
      queue.push({ keys, at: Date.now() });
      wake?.();
    },
    wait: (ms) =>
      new Promise((resolve, reject) => {
        const take = () => {
          const x = queue.shift();
          if (!x) return false;
          clearTimeout(timer);
          resolve(x);
          return true;
        };
        const timer = setTimeout(() => reject(new Error(`no change reported within ${ms} ms`)), ms);
        if (!take()) wake = () => void take();
      }),
  };
}

function setup(t: { after(fn: () => void): void }) {
  const dir = tempDir('lf-tlswatch');
  t.after(() => dir.remove());
  const a = path.join(dir.path, 'a');
  const b = path.join(dir.path, 'b');
  fs.mkdirSync(a);
  fs.mkdirSync(b);
  fs.writeFileSync(path.join(a, 'cert.pem'), 'cert 1');
  fs.writeFileSync(path.join(a, 'key.pem'), 'key 1');
  fs.writeFileSync(path.join(b, 'ca-1.pem'), 'ca 1');
  const blocks: WatchedBlock[] = [
    { key: 'A', files: [path.join(a, 'cert.pem'), path.join(a, 'key.pem')], dirs: [] },
    { key: 'B', files: [], dirs: [b] },
  ];
  return { dir: dir.path, a, b, blocks };
}

test('a burst of writes (key, then certificate) is one change after the quiet time, naming only the block that changed', async (t) => {
  const { a, blocks } = setup(t);
  const changes = nextChange();
  const w = new TlsWatcher(blocks, { debounceMs: 200, maxWaitMs: 2000, pollMs: 60_000, onChange: changes.on });
  w.start();
  t.after(() => w.stop());
  const t0 = Date.now();
  fs.writeFileSync(path.join(a, 'key.pem'), 'key 2');
  await new Promise((r) => setTimeout(r, 100));
  fs.writeFileSync(path.join(a, 'cert.pem'), 'cert 2');
  const c = await changes.wait(3000);
  assert.deepEqual(c.keys, ['A']);
  assert.ok(c.at - t0 >= 250, `checked ${c.at - t0} ms after the first write: after the second write's quiet time, not between the two`);
  assert.equal(w.stats.checks, 1, 'one check for the burst');
  await assert.rejects(changes.wait(500), /no change/, 'nothing more to report');
});

test('a Kubernetes ..data swap is seen through the directory; ca-dir() contents count', async (t) => {
  const { dir, b } = setup(t);
  const vol = path.join(dir, 'vol');
  fs.mkdirSync(path.join(vol, '..v1'), { recursive: true });
  fs.writeFileSync(path.join(vol, '..v1', 'tls.crt'), 'one');
  fs.symlinkSync('..v1', path.join(vol, '..data'));
  fs.symlinkSync('..data/tls.crt', path.join(vol, 'tls.crt'));
  const changes = nextChange();
  const w = new TlsWatcher([{ key: 'K', files: [path.join(vol, 'tls.crt')], dirs: [] }, { key: 'B', files: [], dirs: [b] }], { debounceMs: 50, pollMs: 60_000, onChange: changes.on });
  w.start();
  t.after(() => w.stop());
  fs.mkdirSync(path.join(vol, '..v2'));
  fs.writeFileSync(path.join(vol, '..v2', 'tls.crt'), 'two');
  fs.symlinkSync('..v2', path.join(vol, '..data_tmp'));
  fs.renameSync(path.join(vol, '..data_tmp'), path.join(vol, '..data'));
  fs.rmSync(path.join(vol, '..v1'), { recursive: true });
  assert.deepEqual((await changes.wait(3000)).keys, ['K']);
  assert.equal(w.stats.polls, 0, 'seen by the directory watch, not the poll');
  fs.writeFileSync(path.join(b, 'ca-2.pem'), 'ca 2');
  assert.deepEqual((await changes.wait(3000)).keys, ['B']);
});

test('the content-hash poll finds a change no watch reported; unchanged content is not reported again', async (t) => {
  const { a, blocks } = setup(t);
  const changes = nextChange();
  const w = new TlsWatcher(blocks, { debounceMs: 50, pollMs: 100, onChange: changes.on });
  w.start();
  t.after(() => w.stop());
  // stop the directory watches, as if fs.watch had missed everything
  (w as unknown as { watches: Map<string, fs.FSWatcher> }).watches.forEach((x) => x.close());
  (w as unknown as { refreshWatches: () => void }).refreshWatches = () => {};
  fs.writeFileSync(path.join(a, 'cert.pem'), 'cert 3');
  assert.deepEqual((await changes.wait(3000)).keys, ['A']);
  assert.equal(w.stats.events, 0, 'no watch event: the poll found it');
  const polls = w.stats.polls;
  await assert.rejects(changes.wait(500), /no change/, 'the same content is not reported at every poll');
  assert.ok(w.stats.polls > polls, 'polls kept running');
});

test('the same bytes give the same hash; a missing file is a state of its own; the poll interval from the environment is bounded', (t) => {
  const { a, blocks } = setup(t);
  const h1 = contentHash(blocks[0]);
  assert.equal(contentHash(blocks[0]), h1);
  fs.rmSync(path.join(a, 'cert.pem'));
  const gone = contentHash(blocks[0]);
  assert.notEqual(gone, h1);
  fs.writeFileSync(path.join(a, 'cert.pem'), 'cert 1');
  assert.equal(contentHash(blocks[0]), h1);
  assert.equal(pollMsFromEnv({}), 30_000);
  assert.equal(pollMsFromEnv({ LOGFERRY_TLS_POLL_MS: '500' }), 500);
  assert.equal(pollMsFromEnv({ LOGFERRY_TLS_POLL_MS: '1' }), 50);
  assert.equal(pollMsFromEnv({ LOGFERRY_TLS_POLL_MS: 'soon' }), 30_000);
});
