/**
 * The control socket's commands against a running logferry, through both clients: after a TLS
 * run of `logferry send --count N`, `syslog-ng-ctl stats` and `logferry ctl stats` (CSV and
 * --json) show the source's processed and the destination's written equal to N; STATS PROMETHEUS
 * is valid exposition text with the same numbers; query, healthcheck, reopen (a renamed file is
 * created again) and stop (the process is gone) do what they say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { LOGFERRY_MAIN, startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { runToExit, SNG_TEST_OPTIONS, sngString, tempDir } from '../helpers/peers.ts';
import { certOk } from '../cli/cert-helpers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';

const SYSLOG_NG_CTL = '/usr/sbin/syslog-ng-ctl';
const N = 700;

/** one raw request; the answer up to its closing "." line */
function ask(path: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    let got = '';
    const timer = setTimeout(() => (c.destroy(), reject(new Error(`no answer to ${request} on ${path}; got ${JSON.stringify(got)}`))), 10_000);
    c.setEncoding('utf8');
    c.on('data', (s: string) => {
      got += s;
      if (got.endsWith('\n.\n')) (clearTimeout(timer), c.end(), resolve(got.slice(0, -2)));
    });
    c.on('error', reject);
    c.write(request + '\n');
  });
}

function ctl(...args: string[]) {
  return runToExit(process.execPath, [LOGFERRY_MAIN, 'ctl', ...args], { name: `logferry ctl ${args.join(' ')}`, timeoutMs: 20_000 });
}

/** the Number of the CSV row whose first five fields are `key` */
function csvValue(csv: string, key: string): number | undefined {
  const line = csv.split('\n').find((l) => l.startsWith(key + ';'));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
}

/** the destination counts the write callback updates may trail the file by a moment: ask until they agree (bounded) */
async function statsWhen(ctlPath: string, ok: (csv: string) => boolean): Promise<string> {
  let csv = '';
  for (let i = 0; i < 100; i++) {
    csv = await ask(ctlPath, 'STATS');
    if (ok(csv)) return csv;
    await new Promise((r) => setImmediate(r));
  }
  return csv;
}

test('ctl: stats through syslog-ng-ctl and logferry ctl, prometheus, query, healthcheck, reopen, stop', { timeout: 90_000 }, async (t) => {
  const tmp = tempDir('lf-ctl-stats');
  t.after(() => tmp.remove());
  const pki = join(tmp.path, 'pki');
  certOk('init-ca', pki);
  certOk('issue', 'server', pki, '--cn', 'receiver', '--san', 'IP:127.0.0.1');
  const port = await freePort();
  const out = join(tmp.path, 'out.log');
  const d = await startLogferry({
    readyPorts: [port],
    config: [
      '@version: 4.27',
      `options { ${SNG_TEST_OPTIONS} };`,
      `source s_tls { syslog(ip("127.0.0.1") port(${port}) transport(tls)`,
      `  tls(key-file("${pki}/receiver.key") cert-file("${pki}/receiver.pem") peer-verify(optional-untrusted))); };`,
      `destination d_file { file(${sngString(out)} template(${sngString(SENDER_TEMPLATE)})); };`,
      'log { source(s_tls); destination(d_file); };',
      '',
    ].join('\n'),
  });
  t.after(() => d.stop());
  const sock = join(d.workdir, 'daemon.ctl');

  const sent = await runSendCli(['127.0.0.1', String(port), '--ca-file', join(pki, 'ca.pem'), '--count', String(N), '--json']);
  assert.equal(sent.code, 0, sent.stderr);
  await expectRunLines(out, sent.report!.run, N);

  const srcKey = `src.syslog;s_tls#0;tls,127.0.0.1:${port};a;processed`;
  const dstKey = `dst.file;d_file#0;${out};a;written`;
  const raw = await statsWhen(sock, (csv) => csvValue(csv, dstKey) === N);
  assert.match(raw, /^SourceName;SourceId;SourceInstance;State;Type;Number\n/, 'STATS answers the bare CSV, as syslog-ng');
  for (const [key, want] of [
    [srcKey, N],
    ['source;s_tls;;a;processed', N],
    [dstKey, N],
    [`dst.file;d_file#0;${out};a;processed`, N],
    [`dst.file;d_file#0;${out};a;dropped`, 0],
    [`dst.file;d_file#0;${out};a;queued`, 0],
    ['destination;d_file;;a;processed', N],
    ['center;;received;a;processed', N],
  ] as const) {
    assert.equal(csvValue(raw, key), want, `${key} in\n${raw}`);
  }

  // syslog-ng's own client (3.38 has stats, not stats prometheus or healthcheck)
  if (existsSync(SYSLOG_NG_CTL)) {
    const r = await runToExit(SYSLOG_NG_CTL, ['stats', '-c', sock], { name: 'syslog-ng-ctl stats', timeoutMs: 15_000 });
    assert.equal(r.exit.code, 0, r.stderr);
    assert.equal(csvValue(r.stdout, srcKey), N, r.stdout);
    assert.equal(csvValue(r.stdout, dstKey), N, r.stdout);
    const q = await runToExit(SYSLOG_NG_CTL, ['query', 'get', 'dst.file.*.written', '-c', sock], { name: 'syslog-ng-ctl query', timeoutMs: 15_000 });
    assert.equal(q.exit.code, 0, q.stderr);
    assert.equal(q.stdout.trim(), `dst.file.d_file#0.${out}.written=${N}`);
  }

  // logferry ctl: the same CSV, and as JSON
  const csv = await ctl('-c', sock, 'stats');
  assert.equal(csv.exit.code, 0, csv.stderr);
  assert.equal(csvValue(csv.stdout, srcKey), N);
  assert.equal(csvValue(csv.stdout, dstKey), N);
  const js = await ctl('-c', sock, 'stats', '--json');
  assert.equal(js.exit.code, 0, js.stderr);
  const rows = JSON.parse(js.stdout) as Array<{ SourceName: string; SourceId: string; SourceInstance: string; State: string; Type: string; Number: number }>;
  assert.equal(rows.length, csv.stdout.trim().split('\n').length - 1, 'one object per CSV row');
  const src = rows.find((r) => r.SourceName === 'src.syslog' && r.Type === 'processed');
  assert.deepEqual(src, { SourceName: 'src.syslog', SourceId: 's_tls#0', SourceInstance: `tls,127.0.0.1:${port}`, State: 'a', Type: 'processed', Number: N });
  assert.equal(rows.find((r) => r.SourceName === 'dst.file' && r.Type === 'written')?.Number, N);
  assert.ok(rows.some((r) => r.SourceName === 'logferry' && r.SourceId === 'transport_accepted_connections_total' && r.Number >= 1), 'our own counters under their names');

  // STATS PROMETHEUS: valid exposition text, same numbers
  const prom = await ask(sock, 'STATS PROMETHEUS');
  const viaCtl = await ctl('-c', sock, 'stats', 'prometheus');
  assert.equal(viaCtl.exit.code, 0, viaCtl.stderr);
  const seen = new Set<string>();
  for (const line of prom.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const name = line.split(' ')[2];
      assert.ok(!seen.has(name), `${name} is declared once, its series together`);
      seen.add(name);
      continue;
    }
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? -?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/, `an exposition line: ${line}`);
    assert.ok(seen.has(line.replace(/[{ ].*$/, '')), `${line} follows its # TYPE`);
  }
  assert.ok(prom.includes(`syslogng_input_events_total{driver="syslog",id="s_tls#0",instance="tls,127.0.0.1:${port}"} ${N}\n`), prom);
  assert.ok(prom.includes(`syslogng_output_events_total{driver="file",id="d_file#0",instance="${out}",result="delivered"} ${N}\n`), prom);
  assert.ok(viaCtl.stdout.includes(`result="delivered"} ${N}\n`));

  // query, healthcheck
  const q = await ctl('-c', sock, 'query', 'src.*.processed');
  assert.equal(q.exit.code, 0, q.stderr);
  assert.equal(q.stdout, `src.syslog.s_tls#0.tls,127.0.0.1:${port}.processed=${N}\n`);
  assert.equal(await ask(sock, 'QUERY LIST center*'), 'center.received.processed\n');
  assert.equal(await ask(sock, 'QUERY GET_SUM *.written'), `${N}\n`);
  const hc = await ctl('-c', sock, 'healthcheck');
  assert.equal(hc.exit.code, 0, hc.stderr);
  assert.match(hc.stdout, /^syslogng_io_worker_latency_seconds \d+(\.\d+)?(e-\d+)?\nsyslogng_mainloop_io_worker_roundtrip_latency_seconds \d+(\.\d+)?(e-\d+)?\n$/);

  // reopen: the file logrotate renamed away is created again by the next write
  renameSync(out, out + '.1');
  const ro = await ctl('-c', sock, 'reopen');
  assert.equal(ro.exit.code, 0, ro.stderr);
  assert.equal(ro.stdout, 'Re-open of log destination files initiated\n');
  if (existsSync(SYSLOG_NG_CTL)) {
    const r = await runToExit(SYSLOG_NG_CTL, ['reopen', '-c', sock], { name: 'syslog-ng-ctl reopen', timeoutMs: 15_000 });
    assert.equal(r.exit.code, 0, r.stderr);
    assert.equal(r.stdout, 'Re-open of log destination files initiated\n');
  }
  const more = await runSendCli(['127.0.0.1', String(port), '--ca-file', join(pki, 'ca.pem'), '--count', '25', '--json']);
  assert.equal(more.code, 0, more.stderr);
  assert.equal((await expectRunLines(out, more.report!.run, 25)).length, 25, 'the new file holds the new lines');
  assert.equal(readFileSync(out + '.1', 'utf8').split('\n').filter((l) => l.includes(more.report!.run)).length, 0, 'none went to the renamed file');
  assert.equal(csvValue(await statsWhen(sock, (c) => csvValue(c, dstKey) === N + 25), dstKey), N + 25);

  // a reload keeps the counts: they are since start, and the unchanged source and destination are kept
  const rl = await ctl('-c', sock, 'reload');
  assert.equal(rl.exit.code, 0, rl.stderr);
  assert.equal(rl.stdout, 'Config reload successful\n');
  const after = await ask(sock, 'STATS');
  assert.equal(csvValue(after, srcKey), N + 25, after);
  assert.equal(csvValue(after, 'center;;received;a;processed'), N + 25, after);

  // stop: answered, then the process ends cleanly and the socket is gone
  const st = await ctl('-c', sock, 'stop');
  assert.equal(st.exit.code, 0, st.stderr);
  assert.equal(st.stdout, 'Shutdown initiated\n');
  const exit = await d.process.exited;
  assert.equal(exit.code, 0, d.stderr());
  assert.throws(() => process.kill(d.pid, 0), (e: NodeJS.ErrnoException) => e.code === 'ESRCH', 'the process is gone');
  assert.equal(existsSync(sock), false);

  // and with no daemon: one line, exit 1, naming the socket and the fix
  const none = await ctl('-c', sock, 'stats');
  assert.equal(none.exit.code, 1);
  assert.equal(none.stdout, '');
  assert.equal(none.stderr, `logferry ctl: no control socket at ${sock}: start logferry (with -c ${sock}), or give the running daemon's socket with -c SOCKET\n`);
});
