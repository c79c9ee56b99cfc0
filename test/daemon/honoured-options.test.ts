/**
 * Behaviour of options that used to be accepted and silently ignored:
 * fsync(), throttle(), perm()/dir-perm() exactly (not cut by the umask), owner/group and
 * dir-owner()/dir-group() on what file() creates, so-broadcast()/ip-ttl()/
 * so-sndbuf() on UDP sender sockets, log-fetch-limit() in readers, internal()'s
 * tags()/program-override()/host-override(), dns-cache-hosts(),
 * use-syslogng-pid(); file() sources no longer warn that positions are not
 * persisted (the persist file keeps them: test/daemon/persist-file.test.ts).
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsCjs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { FileDestination, type FileDestinationOptions } from '../../src/destinations/file.ts';
import { QueuedDestination } from '../../src/destinations/queued.ts';
import { applyDgramSendOptions, createDgramSender } from '../../src/transport/dgram-sender.ts';
import { createDgramListener } from '../../src/transport/dgram-listener.ts';
import { StreamReader } from '../../src/sources/reader.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { defaultParseOptions } from '../../src/syslog/parse-options.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { prepare } from '../../src/daemon/worker/prepare.ts';
import { InternalSource } from '../../src/sources/internal.ts';
import * as dgram from 'node:dgram';
import { tempDir } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { asCompiled } from '../transport/helpers.ts';

function fileDest(o: Partial<FileDestinationOptions> & { fileName: () => string }): FileDestination {
  return new FileDestination({
    name: 'd',
    fifoSize: 100,
    flushLines: 1,
    timeReopenMs: 1000,
    throttle: 0,
    format: () => 'line\n',
    createDirs: true,
    perm: 0o600,
    dirPerm: 0o700,
    timeReapMs: 60_000,
    fsync: false,
    ...o,
  });
}

async function writeOne(d: FileDestination): Promise<void> {
  await d.start();
  await new Promise<void>((resolve) => d.deliver(new LogMessage({ sec: 1, usec: 0, gmtoff: 0 }), resolve));
  await d.stop(1000);
}

test('fsync(yes): each written batch is fsync()ed before it is acknowledged; fsync(no): never', async (t) => {
  const dir = tempDir('lf-fsync');
  t.after(() => dir.remove());
  const calls: number[] = [];
  const real = fsCjs.fsync;
  const m = mock.method(fsCjs, 'fsync', (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    calls.push(fd);
    real(fd, cb);
  });
  syncBuiltinESMExports();
  t.after(() => {
    m.mock.restore();
    syncBuiltinESMExports();
  });
  await writeOne(fileDest({ fileName: () => path.join(dir.path, 'a.log'), fsync: false }));
  assert.equal(calls.length, 0);
  await writeOne(fileDest({ fileName: () => path.join(dir.path, 'b.log'), fsync: true }));
  assert.equal(calls.length, 1);
  assert.equal(fs.readFileSync(path.join(dir.path, 'b.log'), 'utf8'), 'line\n');
});

test('perm() and dir-perm() are exact (not cut by the umask); owner/group/dir-owner/dir-group are applied to what is created', async (t) => {
  const dir = tempDir('lf-perms');
  t.after(() => dir.remove());
  const file = path.join(dir.path, 'x', 'y', 'out.log');
  const old = process.umask(0o077);
  t.after(() => process.umask(old));
  const root = process.getuid?.() === 0;
  const ids = root ? { uid: 4242, gid: 4343, dirUid: 4444, dirGid: 4545 } : {};
  await writeOne(fileDest({ fileName: () => file, perm: 0o664, dirPerm: 0o751, ...ids }));
  const st = fs.statSync(file);
  assert.equal(st.mode & 0o777, 0o664);
  for (const d of [path.join(dir.path, 'x'), path.join(dir.path, 'x', 'y')]) {
    const ds = fs.statSync(d);
    assert.equal(ds.mode & 0o777, 0o751, d);
    if (root) assert.deepEqual([ds.uid, ds.gid], [4444, 4545], d);
  }
  // the directory that existed before is left alone
  assert.notEqual(fs.statSync(dir.path).mode & 0o777, 0o751);
  if (root) assert.deepEqual([st.uid, st.gid], [4242, 4343]);
});

test('owner() naming no user is a configuration error at its location', () => {
  const plan = parseConfigText('source s { internal(); };\ndestination d { file("/tmp/lf-never/x.log" owner("no-such-user-lf")); };\nlog { source(s); destination(d); };\n', 'o.conf');
  assert.throws(() => prepare(plan, { dryRun: true }), (e: Error & { loc?: { line: number } }) => /Error resolving user; user='no-such-user-lf'/.test(e.message) && e.loc?.line === 2);
});

test('UDP sender sockets get so-broadcast(), ip-ttl() and so-sndbuf(); unset, nothing is called', () => {
  const calls: string[] = [];
  const sock = {
    setSendBufferSize: (n: number) => void calls.push(`sndbuf ${n}`),
    setBroadcast: (b: boolean) => void calls.push(`broadcast ${b}`),
    setTTL: (n: number) => (calls.push(`ttl ${n}`), n),
  };
  applyDgramSendOptions(sock, asCompiled.dgramSender());
  assert.deepEqual(calls, []);
  applyDgramSendOptions(sock, { soBroadcast: true, ipTtl: 7, soSndbuf: 65536 });
  assert.deepEqual(calls.sort(), ['broadcast true', 'sndbuf 65536', 'ttl 7']);
});

test('a UDP sender with so-broadcast(), ip-ttl() and so-sndbuf() still delivers', async (t) => {
  const got: Buffer[] = [];
  let arrived!: () => void;
  const done = new Promise<void>((r) => (arrived = r));
  const listener = await createDgramListener({ ...asCompiled.dgramListener(), ip: '127.0.0.1', port: 0 }, (b) => {
    got.push(b);
    arrived();
  });
  t.after(() => listener.close());
  const sender = await createDgramSender({ ...asCompiled.dgramSender(), host: '127.0.0.1', port: listener.address.port, soBroadcast: true, ipTtl: 3, soSndbuf: 65536 });
  t.after(() => sender.close());
  sender.send(Buffer.from('hello'));
  await done;
  assert.equal(got[0].toString(), 'hello');
});

test('log-fetch-limit(): after that many messages the reader pauses its input until the next event-loop turn', async () => {
  const events: string[] = [];
  const make = (fetchLimit?: number) =>
    new StreamReader(
      {
        sourceName: 's',
        framing: 'newline',
        maxMsgSize: 65536,
        trimLargeMessages: false,
        emptyLines: false,
        parse: defaultParseOptions({ localHostname: 'h', daemonPid: 1 }),
        hostRules: { keepHostname: false, chainHostnames: false, useDns: false, useFqdn: false, normalizeHostnames: false, sourceGroup: 's' },
        window: 1000,
        fetchLimit,
        tags: [],
        values: [],
        sender: { ip: '127.0.0.1' },
        local: true,
      },
      (_m, ack) => ack?.(),
      { pause: () => void events.push('pause'), resume: () => void events.push('resume') },
    );
  const lines = Buffer.from('a\nb\nc\nd\ne\nf\ng\n');
  make(undefined).push(lines);
  assert.deepEqual(events, []);
  make(3).push(lines);
  assert.deepEqual(events, ['pause'], 'paused once; the rest of the chunk is still delivered');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['pause', 'resume']);
});

test('internal() honours tags(), program-override() and host-override()', () => {
  const s = new InternalSource('i', 'here', 1, { tags: ['t1'], programOverride: 'p2', hostOverride: 'h2' });
  const got: LogMessage[] = [];
  void s.start((m) => got.push(m));
  s.sink({ level: 'notice', text: 'x', tags: {}, time: 0 });
  assert.equal(got[0].program, 'p2');
  assert.equal(got[0].host, 'h2');
  assert.ok(got[0].tags.includes('t1'), String(got[0].tags));
});

test('a file() source no longer warns that read positions are not persisted (the persist file keeps them)', () => {
  const plan = parseConfigText('source s { file("/var/log/in.log"); };\ndestination d { file("/tmp/lf-never/out.log"); };\nlog { source(s); destination(d); };\n', 'p.conf');
  assert.deepEqual(plan.warnings.filter((x) => /persist/.test(x)), []);
});

test('dns-cache-hosts() names senders from its file; use-syslogng-pid(yes) sets ${PID} to the daemon', { timeout: 20_000 }, async (t) => {
  const dir = tempDir('lf-hosts');
  t.after(() => dir.remove());
  const hosts = path.join(dir.path, 'hosts');
  fs.writeFileSync(hosts, '# test\n127.0.0.1   from-hosts-file alias\n');
  const port = await freePort();
  const plan = parseConfigText(
    `options { dns-cache-hosts("${hosts}"); };
source s { network(ip(127.0.0.1) port(${port}) transport(udp) use-dns(yes) keep-hostname(no) use-syslogng-pid(yes)); };
destination d { file("${path.join(dir.path, 'out.log')}"); };
log { source(s); destination(d); };
`,
    path.join(dir.path, 'h.conf'),
  );
  const p = prepare(plan, { pid: 4321 });
  const src = p.sources[0];
  let got!: (m: LogMessage) => void;
  const first = new Promise<LogMessage>((r) => (got = r));
  await src.start((m) => got(m));
  t.after(() => src.stop());
  const sock = dgram.createSocket('udp4');
  t.after(() => sock.close());
  sock.send(Buffer.from('<13>Nov 23 10:00:00 web1 nginx[7]: GET /'), port, '127.0.0.1');
  const m = await first;
  assert.equal(m.host, 'from-hosts-file');
  assert.equal(m.pid, '4321');
  assert.equal(m.program, 'nginx');
});

class Collect extends QueuedDestination {
  batches: number[] = [];
  async start(): Promise<void> {}
  protected writeBatch(entries: unknown[], done: () => void): void {
    this.batches.push(entries.length);
    done();
  }
  protected async close(): Promise<void> {}
}

test('throttle(N): at most N messages per second leave the destination (a one-second token bucket, as syslog-ng)', async () => {
  // the clock and timers are mocked; the write loop's setImmediate turns are real and run out between steps
  const turns = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 });
  try {
    const d = new Collect({ name: 'd', fifoSize: 1000, flushLines: 100, timeReopenMs: 1000, throttle: 10 });
    for (let i = 0; i < 35; i++) d.deliver(new LogMessage({ sec: 1, usec: 0, gmtoff: 0 }));
    await turns();
    assert.equal(d.written, 10, 'at once: the full bucket');
    // then never faster than the rate: at most bucket + rate × elapsed
    for (let ms = 100; ms <= 3000; ms += 100) {
      mock.timers.tick(100);
      await turns();
      assert.ok(d.written <= 10 + Math.floor((ms * 10) / 1000), `${d.written} written after ${ms} ms`);
      if (ms === 500) assert.equal(d.written, 15, 'half a second later: five more');
    }
    assert.equal(d.written, 35);
    const free = new Collect({ name: 'f', fifoSize: 1000, flushLines: 100, timeReopenMs: 1000, throttle: 0 });
    for (let i = 0; i < 35; i++) free.deliver(new LogMessage({ sec: 1, usec: 0, gmtoff: 0 }));
    await turns();
    assert.equal(free.written, 35, 'unthrottled: all at once');
  } finally {
    mock.timers.reset();
  }
});
