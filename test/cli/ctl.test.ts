/**
 * `logferry ctl` without a daemon, and the stats formats on their own: docs/cli.md holds the
 * --help verbatim; usage errors exit 2; no daemon (no socket, or a socket nobody answers on)
 * gives one line naming the socket and the fix, exit 1; the CSV quoting syslog-ng uses survives
 * the JSON conversion; QUERY globs and STATS PROMETHEUS label escaping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { runToExit, tempDir } from '../helpers/peers.ts';
import { documentedHelp } from '../helpers/cli-doc.ts';
import { csvToJson, ctlHelpText, requestFor, splitCsvLine } from '../../src/cli/ctl.ts';
import { helpText } from '../../src/cli/args.ts';
import { counterRows, statsCsv, statsQuery } from '../../src/daemon/main/stats-formats.ts';
import { renderMetrics } from '../../src/daemon/main/metrics-render.ts';
import type { StatsRow } from '../../src/daemon/protocol.ts';

function ctl(...args: string[]) {
  return runToExit(process.execPath, [LOGFERRY_MAIN, 'ctl', ...args], { name: `logferry ctl ${args.join(' ')}`, timeoutMs: 20_000 });
}

test('docs/cli.md shows exactly what `logferry ctl --help` prints; the daemon help names ctl', async () => {
  const documented = documentedHelp('logferry ctl');
  assert.ok(documented !== undefined, 'docs/cli.md has a help block for logferry ctl');
  const r = await ctl('--help');
  assert.equal(r.exit.code, 0);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, ctlHelpText());
  assert.equal(documented, r.stdout);
  for (const c of ['stats [--json]', 'stats prometheus', 'reload', 'reopen', 'stop', 'healthcheck', 'query GLOB']) assert.ok(r.stdout.includes(`  ${c} `), c);
  assert.match(helpText(), /logferry ctl \[-c SOCKET\] COMMAND/);
});

test('usage errors exit 2 with a hint', async () => {
  for (const args of [[], ['frob'], ['stats', '--xml'], ['query'], ['stop', 'now'], ['-c']]) {
    const r = await ctl(...args);
    assert.equal(r.exit.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^logferry ctl: .+\nTry 'logferry ctl --help'\.\n$/);
  }
  assert.deepEqual(requestFor(['query', 'dst.*']), { request: 'QUERY GET dst.*', json: false });
  assert.deepEqual(requestFor(['stats', '--json']), { request: 'STATS CSV', json: true });
});

test('no daemon: one line naming the socket and the fix, exit 1 (no socket file; a socket left by a dead daemon)', async (t) => {
  const tmp = tempDir('lf-ctl-cli');
  t.after(() => tmp.remove());
  const missing = join(tmp.path, 'none.ctl');
  const a = await ctl('-c', missing, 'stats');
  assert.equal(a.exit.code, 1);
  assert.equal(a.stderr, `logferry ctl: no control socket at ${missing}: start logferry (with -c ${missing}), or give the running daemon's socket with -c SOCKET\n`);

  const stale = join(tmp.path, 'stale.ctl');
  const k = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`], { timeout: 10_000 });
  assert.equal(k.signal, 'SIGKILL');
  const b = await ctl('--control', stale, 'reload');
  assert.equal(b.exit.code, 1);
  assert.equal(b.stderr.split('\n').length, 2, 'one line');
  assert.match(b.stderr, new RegExp(`^logferry ctl: no daemon answers on ${stale.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*-c SOCKET\n$`));
});

const rows: StatsRow[] = [
  { component: 'src.network', id: 's#0', instance: 'tcp,127.0.0.1:601', type: 'processed', value: 5 },
  { component: 'dst.file', id: 'd#0', instance: '/var/log/a;b"c', type: 'written', value: 4 },
  { component: 'dst.file', id: 'd#0', instance: '/var/log/a;b"c', type: 'dropped', value: 1 },
  { component: 'center', id: '', instance: 'received', type: 'processed', value: 5 },
];

test('CSV as syslog-ng writes it (a field with ; or " quoted) reads back as the same rows in JSON', () => {
  const csv = statsCsv(rows);
  assert.equal(csv.split('\n')[0], 'SourceName;SourceId;SourceInstance;State;Type;Number');
  assert.ok(csv.includes('dst.file;d#0;"/var/log/a;b\\"c";a;written;4\n'), csv);
  assert.deepEqual(splitCsvLine('dst.file;d#0;"/var/log/a;b\\"c";a;written;4'), ['dst.file', 'd#0', '/var/log/a;b"c', 'a', 'written', '4']);
  assert.deepEqual(
    csvToJson(csv).map((r) => [r.SourceName, r.SourceId, r.SourceInstance, r.State, r.Type, r.Number]),
    rows.map((r) => [r.component, r.id, r.instance, 'a', r.type, r.value]),
  );
});

test('QUERY: globs over component.id.instance.type; GET, GET_SUM, LIST; the _RESET forms are refused', () => {
  assert.deepEqual(statsQuery('GET dst.*.written', rows), { ok: true, text: 'dst.file.d#0./var/log/a;b"c.written=4\n' });
  assert.deepEqual(statsQuery('GET_SUM dst.*', rows), { ok: true, text: '5\n' });
  assert.deepEqual(statsQuery('LIST center*', rows), { ok: true, text: 'center.received.processed\n' });
  assert.deepEqual(statsQuery('GET nothing.here', rows), { ok: true, text: '\n' });
  assert.equal(statsQuery('GET_RESET *', rows).ok, false);
});

test('STATS PROMETHEUS and /metrics: AxoSyslog names, escaped label values, our counters as logferry_*', () => {
  const counters = [{ name: 'tls_handshake_failures_total', labels: { reason: 'bad "cert"\n' }, value: 2 }];
  const text = renderMetrics({ rows, counters, tls: [], peers: [], maxPeers: 0 });
  assert.ok(text.includes('syslogng_input_events_total{driver="network",id="s#0",instance="tcp,127.0.0.1:601"} 5\n'), text);
  assert.ok(text.includes('syslogng_output_events_total{driver="file",id="d#0",instance="/var/log/a;b\\"c",result="delivered"} 4\n'), text);
  assert.ok(text.includes('result="dropped"} 1\n'));
  assert.ok(text.includes('# TYPE logferry_tls_handshake_failures_total counter\nlogferry_tls_handshake_failures_total{reason="bad \\"cert\\"\\n"} 2\n'), text);
  assert.ok(text.includes('# TYPE syslogng_output_events_total counter\n'), text);
  // dropped_messages_total is what the dst rows' dropped says: not repeated
  assert.deepEqual(counterRows([{ name: 'dropped_messages_total', labels: {}, value: 1 }]), []);
});
