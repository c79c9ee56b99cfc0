/** The NOTIFY_SOCKET protocol with a stand-in sender: what each call sends, the watchdog's pace, what is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NotifySocketError, SystemdNotifier, type DatagramSender } from '../../src/daemon/service/sd-notify.ts';
import { NotifyReceiver } from '../helpers/notify-socket.ts';
import { tempDir } from '../helpers/peers.ts';

function recorder() {
  const sent: Array<{ path: string; text: string }> = [];
  let closed = 0;
  const sender: DatagramSender = {
    sendTo: (buf, off, len, path, cb) => {
      sent.push({ path, text: buf.subarray(off, off + len).toString() });
      queueMicrotask(() => cb?.());
    },
    close: () => void closed++,
  };
  return { sent, sender: () => sender, closed: () => closed };
}

test('unset NOTIFY_SOCKET: no notifier; a set one is taken out of the environment with the watchdog variables', () => {
  assert.equal(SystemdNotifier.fromEnv({ env: {} }), undefined);
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid), KEEP: '1' };
  const n = SystemdNotifier.fromEnv({ env })!;
  assert.equal(n.path, '/run/systemd/notify');
  assert.equal(n.watchdogUsec, 30_000_000);
  assert.deepEqual(env, { KEEP: '1' });
  // WATCHDOG_PID of another process: the watchdog is not ours
  assert.equal(SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1000', WATCHDOG_PID: String(process.pid + 1) } })!.watchdogUsec, undefined);
});

test('an abstract or relative NOTIFY_SOCKET is refused in one sentence', () => {
  assert.throws(() => SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '@foo' } }), (e: Error) => {
    assert.ok(e instanceof NotifySocketError);
    assert.match(e.message, /abstract socket '@foo', which logferry cannot send to .*\/run\/systemd\/notify/);
    return true;
  });
  assert.throws(() => SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: 'rel/sock' } }), /neither an absolute path nor an abstract/);
});

test('READY, STATUS, RELOADING (with MONOTONIC_USEC), STOPPING as KEY=VALUE lines; close after the last send', async () => {
  const r = recorder();
  const n = SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '/run/test.sock' }, sender: r.sender })!;
  n.ready('Running: 2 sources');
  n.reloading();
  n.status('line one\nline two');
  n.stopping();
  n.close();
  assert.equal(r.closed(), 0, 'not closed while a datagram is pending');
  await new Promise((res) => setImmediate(res));
  assert.equal(r.closed(), 1);
  assert.ok(r.sent.every((s) => s.path === '/run/test.sock'));
  assert.equal(r.sent[0].text, `READY=1\nSTATUS=Running: 2 sources\nMAINPID=${process.pid}`);
  assert.match(r.sent[1].text, /^RELOADING=1\nSTATUS=Reloading configuration\nMONOTONIC_USEC=\d+$/);
  assert.equal(r.sent[2].text, 'STATUS=line one line two');
  assert.equal(r.sent[3].text, 'STOPPING=1\nSTATUS=Shutting down');
  n.ready('late');
  assert.equal(r.sent.length, 4, 'nothing is sent after close');
});

test('the watchdog pings every WATCHDOG_USEC/2 and stops at close', async () => {
  const r = recorder();
  const n = SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '/run/test.sock', WATCHDOG_USEC: '40000' }, sender: r.sender })!;
  const t0 = Date.now();
  n.startWatchdog();
  // bounded wait for 5 pings (20 ms apart): at least 80 ms must pass
  for (let i = 0; i < 200 && r.sent.length < 5; i++) await new Promise((res) => setTimeout(res, 10));
  const took = Date.now() - t0;
  assert.ok(r.sent.length >= 5 && r.sent.every((s) => s.text === 'WATCHDOG=1'));
  assert.ok(took >= 80, `5 pings at 20 ms took ${took} ms`);
  n.close();
  const after = r.sent.length;
  await new Promise((res) => setTimeout(res, 60));
  assert.equal(r.sent.length, after, 'no ping after close');
});

test('a send that fails is reported once, and logging goes on', async () => {
  const errors: string[] = [];
  const n = SystemdNotifier.fromEnv({
    env: { NOTIFY_SOCKET: '/run/gone.sock' },
    sender: () => ({ sendTo: (_b, _o, _l, _p, cb) => queueMicrotask(() => cb?.(new Error('Connection refused'))), close: () => {} }),
    onError: (m) => errors.push(m),
  })!;
  n.ready('x');
  n.status('y');
  await new Promise((res) => setImmediate(res));
  assert.deepEqual(errors, ['systemd notification to /run/gone.sock failed: Connection refused']);
});

test('through the real module: a datagram reaches a unix socket bound at a path', async (t) => {
  const dir = tempDir('lf-notify');
  t.after(() => dir.remove());
  const rx = new NotifyReceiver(join(dir.path, 'notify.sock'));
  t.after(() => rx.close());
  const n = SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: rx.path } })!;
  n.open();
  n.ready('real');
  await rx.waitFor('READY=1', () => rx.having('READY=1').length === 1, 5000);
  n.close();
});
