/**
 * unix-stream() and unix-dgram() socket files, run in the daemon: perm(),
 * owner(), group() and create-dirs() on the file; a stale socket file from a
 * dead daemon is replaced while a live one is refused with one sentence;
 * max-connections() on unix-stream().
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { logferryCommand, skipUnlessLogferry, startLogferry } from '../helpers/daemon.ts';
import { runToExit, tempDir, waitForLines } from '../helpers/peers.ts';

const skip = skipUnlessLogferry();
const { DgramSocket } = createRequire(import.meta.url)('node-unix-socket') as typeof import('node-unix-socket');

function sinkConfig(sources: string, out: string, template = '${TRANSPORT} ${MSG}'): string {
  return `@version: 4.27
options { use-dns(no); };
source s { ${sources} };
destination d { file("${out}" template("${template}\\n")); };
log { source(s); destination(d); };
`;
}

/** a socket file with nobody behind it, as a killed daemon leaves it */
function staleSocket(path: string): void {
  const s = new DgramSocket();
  s.bind(path);
  s.close();
  assert.ok(statSync(path).isSocket());
}

function sendDgram(path: string, text: string): Promise<void> {
  const s = new DgramSocket();
  const buf = Buffer.from(text);
  return new Promise((resolve, reject) =>
    s.sendTo(buf, 0, buf.length, path, (err) => {
      s.close();
      if (err) reject(err);
      else resolve();
    }),
  );
}

function connectUnix(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path, () => resolve(c));
    c.once('error', reject);
  });
}

async function startFails(t: TestContext, config: string): Promise<string> {
  const dir = tempDir('lf-unix-refused');
  t.after(() => dir.remove());
  const cfg = join(dir.path, 'cfg');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(cfg, config);
  const [cmd, ...pre] = logferryCommand();
  const r = await runToExit(cmd!, [...pre, '-F', '-e', '-f', cfg, '-R', join(dir.path, 'p'), '-p', join(dir.path, 'pid'), '-c', join(dir.path, 'ctl')], { name: 'logferry', timeoutMs: 15_000 });
  assert.notEqual(r.exit.code, 0, r.stderr);
  return r.stderr;
}

test('perm(), owner(), group(), create-dirs(): the socket files get them exactly; messages are local: this host, 127.0.0.1, ${TRANSPORT}', { timeout: 30_000, skip }, async (t) => {
  const dir = tempDir('lf-unix-perm');
  t.after(() => dir.remove());
  const dg = join(dir.path, 'a', 'b', 'dg.sock');
  const st = join(dir.path, 'c', 'st.sock');
  const out = join(dir.path, 'out.log');
  const root = process.getuid?.() === 0;
  const ids = root ? ' owner("65534") group("65534")' : '';
  const d = await startLogferry({ config: sinkConfig(`unix-dgram("${dg}" create-dirs(yes) perm(0640)${ids}); unix-stream("${st}" create-dirs(yes) perm(0604));`, out, '${TRANSPORT} ${SOURCEIP} ${HOST} ${MSG}') });
  t.after(() => d.stop());
  assert.equal(statSync(dg).mode & 0o777, 0o640, 'perm(0640), whatever the umask');
  assert.equal(statSync(st).mode & 0o777, 0o604);
  if (root) {
    assert.equal(statSync(dg).uid, 65534);
    assert.equal(statSync(dg).gid, 65534);
  }
  await sendDgram(dg, '<13>Nov 26 12:00:00 h p: one datagram');
  const c = await connectUnix(st);
  // glibc's syslog() over a stream socket ends each message with NUL instead of a newline
  c.end('<13>Nov 26 12:00:00 h p: first line\n<13>Nov 26 12:00:01 h p: second line\n<13>Nov 26 12:00:02 h p: glibc style\0');
  const lines = await waitForLines(out, 4, 10_000);
  // the host written in the message (h) gives way to this host's name, as syslog-ng does for local sources
  const host = hostname().split('.')[0];
  assert.deepEqual([...lines].sort(), [`unix-dgram 127.0.0.1 ${host} one datagram`, `unix-stream 127.0.0.1 ${host} first line`, `unix-stream 127.0.0.1 ${host} glibc style`, `unix-stream 127.0.0.1 ${host} second line`]);
  await d.stop();
  assert.ok(!existsSync(dg) && !existsSync(st), 'a stop removes the socket files');
});

test('create-dirs(no) (the default) and a missing directory: refused with one sentence naming the fix', { timeout: 30_000, skip }, async (t) => {
  const dir = tempDir('lf-unix-nodir');
  t.after(() => dir.remove());
  const stderr = await startFails(t, sinkConfig(`unix-dgram("${join(dir.path, 'missing', 'dg.sock')}");`, join(dir.path, 'out')));
  assert.match(stderr, /The directory of the unix-dgram\(\) socket .*missing\/dg\.sock does not exist; create it or set create-dirs\(yes\)/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});

test('a stale socket file (no process behind it) is replaced; a live one, stream or datagram, is refused', { timeout: 30_000, skip }, async (t) => {
  const dir = tempDir('lf-unix-stale');
  t.after(() => dir.remove());
  const dg = join(dir.path, 'dg.sock');
  const st = join(dir.path, 'st.sock');
  staleSocket(dg);
  staleSocket(st);
  const out = join(dir.path, 'out.log');
  const d = await startLogferry({ config: sinkConfig(`unix-dgram("${dg}"); unix-stream("${st}");`, out) });
  await sendDgram(dg, '<13>Nov 26 12:00:00 h p: after stale');
  const c = await connectUnix(st);
  c.end('<13>Nov 26 12:00:00 h p: stream after stale\n');
  assert.deepEqual([...(await waitForLines(out, 2, 10_000))].sort(), ['unix-dgram after stale', 'unix-stream stream after stale']);
  await d.stop();

  // live: another program listens on the path
  const liveStream = join(dir.path, 'live-st.sock');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(liveStream, () => r()));
  t.after(() => srv.close());
  const e1 = await startFails(t, sinkConfig(`unix-stream("${liveStream}");`, out));
  assert.match(e1, /Another process is listening on the socket .*live-st\.sock; stop it \(or choose another path for unix-stream\(\)\) before starting logferry/);
  const liveDgram = join(dir.path, 'live-dg.sock');
  const holder = new DgramSocket();
  holder.bind(liveDgram);
  t.after(() => holder.close());
  const e2 = await startFails(t, sinkConfig(`unix-dgram("${liveDgram}");`, out));
  assert.match(e2, /Another process is listening on the socket .*live-dg\.sock/);
  assert.ok(statSync(liveStream).isSocket() && statSync(liveDgram).isSocket(), 'the live sockets are left alone');
});

test('unix-stream() max-connections(2): a third connection is closed with an error line; the two open ones still deliver', { timeout: 30_000, skip }, async (t) => {
  const dir = tempDir('lf-unix-maxconn');
  t.after(() => dir.remove());
  const st = join(dir.path, 'st.sock');
  mkdirSync(dir.path, { recursive: true });
  const out = join(dir.path, 'out.log');
  const d = await startLogferry({ config: sinkConfig(`unix-stream("${st}" max-connections(2));`, out) });
  t.after(() => d.stop());
  const a = await connectUnix(st);
  const b = await connectUnix(st);
  a.write('<13>Nov 26 12:00:00 h p: from a\n');
  b.write('<13>Nov 26 12:00:00 h p: from b\n');
  await waitForLines(out, 2, 10_000);
  const c = await connectUnix(st);
  await new Promise<void>((r) => c.once('close', () => r()));
  await d.process.waitForStderr(/Number of allowed concurrent connections reached, rejecting connection;.*max='2'/, 5000);
  a.end('<13>Nov 26 12:00:00 h p: a again\n');
  b.end();
  const lines = await waitForLines(out, 3, 10_000);
  assert.deepEqual([...lines].sort(), ['unix-stream a again', 'unix-stream from a', 'unix-stream from b']);
});
