/**
 * The control socket (-c): syslog-ng-ctl's line protocol, so `syslog-ng-ctl reload -c PATH`
 * reloads logferry; mode 0600; a broken config is refused with file:line:col and the old one
 * runs on; an unknown command gets a FAIL answer; a second daemon does not steal a live socket;
 * the socket is removed at stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { LOGFERRY_MAIN, startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { runToExit, SNG_TEST_OPTIONS, sngString, tempDir } from '../helpers/peers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';

const SYSLOG_NG_CTL = '/usr/sbin/syslog-ng-ctl';

function config(port: number, out: string, word: string): string {
  return [
    '@version: 4.27',
    `options { ${SNG_TEST_OPTIONS} };`,
    `source s { syslog(ip("127.0.0.1") port(${port}) transport(tcp)); };`,
    `destination d { file(${sngString(out)} template(${sngString(SENDER_TEMPLATE.replace('${MSG}', word))})); };`,
    'log { source(s); destination(d); };',
    '',
  ].join('\n');
}

/** one raw exchange: the request lines, and everything read until the last answer's "." line */
function ask(path: string, request: string, answers: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    let got = '';
    const timer = setTimeout(() => (c.destroy(), reject(new Error(`no answer on ${path}; got ${JSON.stringify(got)}`))), 10_000);
    c.setEncoding('utf8');
    c.on('data', (s: string) => {
      got += s;
      if (got.split('\n.\n').length - 1 >= answers) {
        clearTimeout(timer);
        c.end();
        resolve(got);
      }
    });
    c.on('error', reject);
    c.write(request);
  });
}

async function sendTcp(port: number, count: number): Promise<string> {
  const r = await runSendCli(['127.0.0.1', String(port), '--transport', 'tcp', '--format', '5424', '--count', String(count), '--json']);
  assert.equal(r.code, 0, r.stderr);
  return r.report!.run;
}

test('control socket: syslog-ng-ctl reload, a refused broken config, unknown commands, mode 0600, one owner, removed at stop', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir('lf-ctl');
  t.after(() => tmp.remove());
  const port = await freePort();
  const out = join(tmp.path, 'out.log');
  const d = await startLogferry({ readyPorts: [port], config: config(port, out, 'one') });
  t.after(() => d.stop());
  const ctl = join(d.workdir, 'daemon.ctl');

  const st = statSync(ctl);
  assert.ok(st.isSocket(), `${ctl} is a socket`);
  assert.equal(st.mode & 0o777, 0o600);

  let run = await sendTcp(port, 300);
  assert.ok((await expectRunLines(out, run, 300)).every((l) => l.endsWith(' one')));

  // syslog-ng's own client reloads logferry
  writeFileSync(d.configPath, config(port, out, 'two'));
  if (existsSync(SYSLOG_NG_CTL)) {
    const r = await runToExit(SYSLOG_NG_CTL, ['reload', '-c', ctl], { name: 'syslog-ng-ctl reload', timeoutMs: 15_000 });
    assert.equal(r.exit.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Config reload successful\n/);
  } else {
    assert.match(await ask(ctl, 'RELOAD\n', 1), /^OK Config reload successful\n\.\n$/);
  }
  run = await sendTcp(port, 300);
  assert.ok((await expectRunLines(out, run, 300)).every((l) => l.endsWith(' two')), 'the reloaded template');

  // a broken config: FAIL with where, and the running config stays
  writeFileSync(d.configPath, config(port, out, 'three').replace('transport(tcp)', 'transport(tcp) port('));
  const broken = await ask(ctl, 'RELOAD\n', 1);
  assert.match(broken, new RegExp(`^FAIL ${d.configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: .*previous config remained intact\\n\\.\\n$`), broken);
  if (existsSync(SYSLOG_NG_CTL)) {
    const r = await runToExit(SYSLOG_NG_CTL, ['reload', '-c', ctl], { name: 'syslog-ng-ctl reload', timeoutMs: 15_000 });
    assert.equal(r.exit.code, 1, 'syslog-ng-ctl exits 1 on FAIL');
  }
  run = await sendTcp(port, 300);
  assert.ok((await expectRunLines(out, run, 300)).every((l) => l.endsWith(' two')), 'still the last good config');

  // an unknown command is answered, and the same connection takes the next one
  const two = await ask(ctl, 'FROBNICATE now\nRELOAD\n', 2);
  assert.match(two, /^FAIL Unknown command 'FROBNICATE'; this logferry answers: RELOAD, STATS, QUERY, REOPEN, STOP, HEALTHCHECK\n\.\nFAIL .*previous config remained intact\n\.\n$/);

  // a second daemon does not take over a live control socket
  const other = await freePort();
  const cfg2 = join(tmp.path, 'second.conf');
  writeFileSync(cfg2, config(other, join(tmp.path, 'second.log'), 'x'));
  const second = await runToExit(process.execPath, [LOGFERRY_MAIN, '-F', '-f', cfg2, '-c', ctl], { name: 'second logferry', timeoutMs: 15_000 });
  assert.equal(second.exit.code, 1);
  assert.match(second.stderr, /another process answers on the control socket .*daemon\.ctl/);
  assert.ok(statSync(ctl).isSocket(), 'the first daemon keeps its socket');

  await d.stop();
  assert.equal(existsSync(ctl), false, 'removed at stop');
});
