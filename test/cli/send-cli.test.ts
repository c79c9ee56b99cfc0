/**
 * `logferry send` as a command: usage errors exit 2, setup and connection failures exit 1 with
 * one sentence, a receiver that drops the stream fails the run, --duration, and the progress
 * line appears on a terminal only. The receivers here are in-process loopback servers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.ts';
import { runToExit, tempDir, which } from '../helpers/peers.ts';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { runSendCli } from '../send/lib.ts';

/** A loopback TCP receiver: reads and counts bytes, closes after the sender's end (or at once, if `drop`). */
async function receiver(drop = false): Promise<{ port: number; bytes: () => number; close: () => void }> {
  let bytes = 0;
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    socks.add(s);
    s.on('error', () => {});
    s.on('close', () => socks.delete(s));
    s.on('data', (d) => {
      bytes += d.length;
      if (drop) s.destroy();
    });
    s.on('end', () => s.end());
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    port: (srv.address() as net.AddressInfo).port,
    bytes: () => bytes,
    close: () => {
      for (const s of socks) s.destroy();
      srv.close();
    },
  };
}

describe('logferry send, the command', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    tmp = tempDir('lf-send-cli');
  });
  after(() => tmp.remove());

  it('usage errors exit 2 with a pointer to --help, no stack', async () => {
    const r = await runSendCli(['127.0.0.1', '514', '--transport', 'tcp', '--count', 'many']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "logferry send: --count expects a whole number, got 'many'\nTry 'logferry send --help'.\n");
    const small = await runSendCli(['127.0.0.1', '514', '--transport', 'tcp', '--count', '1000', '--size', '40']);
    assert.equal(small.code, 2);
    assert.match(small.stderr, /^logferry send: --size 40 is smaller than this run's smallest frame \(\d+ bytes with an empty message\)\n/);
    const t = await runSendCli(['127.0.0.1', '6514']);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /--transport tls needs --ca-file or --ca-dir/);
  });

  it('unreadable files exit 1, naming the flag', async () => {
    const missing = join(tmp.path, 'missing.pem');
    const c = await runSendCli(['127.0.0.1', '6514', '--ca-file', missing]);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /^logferry send: --ca-file .*missing\.pem: no such file/);
    const f = await runSendCli(['127.0.0.1', '514', '--transport', 'tcp', '--from-file', missing]);
    assert.equal(f.code, 1);
    assert.equal(f.stderr, `logferry send: --from-file ${missing}: no such file\n`);
    const dir = await runSendCli(['127.0.0.1', '514', '--transport', 'tcp', '--from-file', tmp.path]);
    assert.equal(dir.code, 1);
    assert.equal(dir.stderr, `logferry send: --from-file ${tmp.path}: is a directory, a file is expected here\n`);
  });

  it('nothing listening: exit 1, connection refused', async () => {
    const port = await freePort();
    const r = await runSendCli(['127.0.0.1', String(port), '--transport', 'tcp', '--count', '10', '--connections', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`logferry send: error \\(every connection\\): connection refused by tcp 127\\.0\\.0\\.1:${port}: nothing listens there\\. Fix: `));
    assert.match(r.stderr, /0 of 10 messages sent/);
  });

  it('a receiver that drops the connection fails the run', async () => {
    const rx = await receiver(true);
    try {
      const r = await runSendCli(['127.0.0.1', String(rx.port), '--transport', 'tcp', '--count', '200000', '--json']);
      assert.equal(r.code, 1);
      const c = r.report!.connections[0];
      assert.equal(c.error?.reason, 'connection_lost');
      assert.equal(c.acknowledged, 0);
      assert.ok(r.report!.sent < 200000 || c.closedCleanly === false);
    } finally {
      rx.close();
    }
  });

  it('--duration: runs for about that long and every message is confirmed', async () => {
    const rx = await receiver();
    try {
      const r = await runSendCli(['127.0.0.1', String(rx.port), '--transport', 'tcp', '--duration', '0.6', '--rate', '500', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const rep = r.report!;
      assert.ok(rep.sent > 0 && rep.sent === rep.planned && rep.acknowledged === rep.sent, JSON.stringify(rep));
      // 0.6 s at 500/s plus the 25-message burst
      assert.ok(rep.sent <= 330, `sent ${rep.sent}`);
      assert.ok(rep.durationSeconds >= 0.55, `took ${rep.durationSeconds} s`);
      assert.equal(rx.bytes(), rep.bytes, 'the receiver read every byte sent');
    } finally {
      rx.close();
    }
  });

  it('a receiver that stops reading: the --duration run still ends, unconfirmed (close_timeout), exit 1', async () => {
    const socks = new Set<net.Socket>();
    const srv = net.createServer((sock) => {
      sock.pause(); // never reads: the kernel buffers fill and the sender's writes stall
      sock.on('error', () => {});
      socks.add(sock);
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    try {
      const port = (srv.address() as net.AddressInfo).port;
      const r = await runSendCli(['127.0.0.1', String(port), '--transport', 'tcp', '--duration', '1', '--size', '1000', '--json'], undefined, 60_000);
      assert.equal(r.code, 1);
      const c = r.report!.connections[0];
      assert.equal(c.error?.reason, 'close_timeout');
      assert.equal(c.acknowledged, 0);
      assert.match(r.stderr, /did not close the connection within 10 s of the end of the stream, so its receipt of the messages is not confirmed/);
    } finally {
      for (const sock of socks) sock.destroy();
      srv.close();
    }
  });

  it('Ctrl-C ends a run cleanly: streams closed and confirmed, the summary printed, exit 0', async () => {
    const rx = await receiver();
    const child = spawn(process.execPath, [LOGFERRY_MAIN, 'send', '127.0.0.1', String(rx.port), '--transport', 'tcp', '--duration', '60', '--rate', '1000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const exited = once(child, 'exit');
      // bytes at the receiver: the run (and its signal handler) has started
      for (let i = 0; i < 300 && rx.bytes() === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(rx.bytes() > 0, 'the run started sending');
      child.kill('SIGINT');
      const [code] = await Promise.race([exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit within 20 s of SIGINT')), 20_000))]);
      assert.equal(code, 0);
      const rep = JSON.parse(stdout);
      assert.ok(rep.sent > 0 && rep.acknowledged === rep.sent && rep.planned === rep.sent, stdout);
      assert.ok(rep.durationSeconds < 30);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rx.close();
    }
  });

  it('a progress line on a terminal, none otherwise', { skip: which('script') ? false : 'script(1) not installed' }, async () => {
    const rx = await receiver();
    try {
      const args = ['127.0.0.1', String(rx.port), '--transport', 'tcp', '--duration', '0.8', '--rate', '2000'];
      const plain = await runSendCli(args);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(plain.stderr.split('\n').length, 2, `only the summary: ${JSON.stringify(plain.stderr)}`);
      assert.doesNotMatch(plain.stderr, /\r/);
      // script(1) gives the command a terminal; its output file is the terminal's transcript
      const log = join(tmp.path, 'tty.txt');
      const cmd = [process.execPath, LOGFERRY_MAIN, 'send', ...args].map((a) => `'${a}'`).join(' ');
      const r = await runToExit('script', ['-qec', cmd, log], { name: 'script', timeoutMs: 30_000 });
      assert.equal(r.exit.code, 0, r.stdout + r.stderr);
      const tty = (await import('node:fs')).readFileSync(log, 'utf8');
      const updates = tty.match(/\r\x1b\[2Klogferry send: [\d,]+ sent, [\d,]+ msg\/s, 0 errors, [\d.]+ s/g) ?? [];
      // the run's own duration (connect and close included) bounds the updates: at most four a second
      const secs = Number(/, ([\d.]+) s, [\d,]+ msg\/s, [\d,]+ bytes, 0 errors/.exec(tty)?.[1]);
      assert.ok(secs >= 0.8, `run took ${secs} s: ${JSON.stringify(tty)}`);
      assert.ok(updates.length >= 1 && updates.length <= Math.floor(secs * 4) + 1, `${updates.length} progress updates in ${secs} s: ${JSON.stringify(tty)}`);
    } finally {
      rx.close();
    }
  });
});
