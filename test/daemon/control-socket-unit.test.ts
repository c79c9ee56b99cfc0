/** ControlSocket on its own: a stale socket file is replaced, a regular file is not, answers are framed as syslog-ng-ctl reads them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlSocket, ControlSocketError, frameReply } from '../../src/daemon/main/control-socket.ts';

function request(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    let got = '';
    c.setEncoding('utf8');
    c.on('data', (s: string) => {
      got += s;
      if (got.endsWith('\n.\n')) (c.end(), resolve(got));
    });
    c.on('error', reject);
    c.write(line);
  });
}

test('frames: OK/FAIL, the text, then a line holding only "."', () => {
  assert.equal(frameReply({ ok: true, text: 'Config reload successful' }), 'OK Config reload successful\n.\n');
  assert.equal(frameReply({ ok: false, text: 'two\nlines\n' }), 'FAIL two\nlines\n.\n');
  // STATS and QUERY: the bare data, as syslog-ng sends it
  assert.equal(frameReply({ ok: true, raw: true, text: 'SourceName;SourceId\n' }), 'SourceName;SourceId\n.\n');
});

test('a socket file nobody answers on (a daemon that died) is replaced; a regular file is refused; close removes the socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-ctl-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'stale.ctl');
  // a process listening there is killed: the file stays, a connect is refused
  const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`], { timeout: 10_000 });
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(statSync(path).isSocket());
  const cmds = new Map([['PING', (args: string) => ({ ok: true, text: `pong ${args}` })]]);
  const s = await ControlSocket.open(path, cmds);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(await request(path, 'PING a b\n'), 'OK pong a b\n.\n');
  assert.equal(await request(path, 'ping\n'), 'OK pong \n.\n', 'command words are matched case-insensitively');
  assert.equal(await request(path, '\n'), 'FAIL Empty command; this logferry answers: PING\n.\n');
  await assert.rejects(ControlSocket.open(path, cmds), (e: unknown) => e instanceof ControlSocketError && /another process answers/.test(e.message));
  await s.close();
  assert.equal(existsSync(path), false);

  const plain = join(dir, 'plain');
  writeFileSync(plain, 'not a socket');
  await assert.rejects(ControlSocket.open(plain, cmds), (e: unknown) => e instanceof ControlSocketError && /exists and is not a socket/.test(e.message));
  assert.equal(existsSync(plain), true, 'left alone');
});
