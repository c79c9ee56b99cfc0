/**
 * options { stats(freq(N)); }: every N seconds one internal() message "Log statistics" with the
 * counts `logferry ctl stats` shows, in syslog-ng's form (one `type='component(id,instance)=N'`
 * tag per count), so log-based monitoring written for syslog-ng reads logferry's too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { SNG_TEST_OPTIONS, sngString, tempDir, waitForLines, waitForText } from '../helpers/peers.ts';
import { statsLogTags } from '../../src/daemon/main/stats-log.ts';
import { formatInternal } from '../../src/core/internal-log.ts';

test('the line: one tag per count, named by its type, a repeated name once per count', () => {
  const tags = statsLogTags([
    { component: 'src.network', id: 's#0', instance: 'tcp,127.0.0.1:514', type: 'processed', value: 5 },
    { component: 'dst.file', id: 'd#0', instance: "/var/log/it's", type: 'written', value: 4 },
    { component: 'dst.file', id: 'd#0', instance: "/var/log/it's", type: 'processed', value: 4 },
    { component: 'center', id: '', instance: 'received', type: 'processed', value: 5 },
  ]);
  assert.equal(
    formatInternal('Log statistics', tags),
    "Log statistics; processed='src.network(s#0,tcp,127.0.0.1:514)=5', processed='dst.file(d#0,/var/log/it\\'s)=4', processed='center(received)=5', written='dst.file(d#0,/var/log/it\\'s)=4'",
  );
});

test('stats(freq(1)): the counts of a run appear in internal() within a few seconds, equal to what was sent', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir('lf-stats-log');
  t.after(() => tmp.remove());
  const port = await freePort();
  const out = join(tmp.path, 'out.log');
  const internal = join(tmp.path, 'internal.log');
  const d = await startLogferry({
    readyPorts: [port],
    config: [
      '@version: 4.27',
      `options { ${SNG_TEST_OPTIONS} stats(freq(1)); };`,
      `source s { network(ip("127.0.0.1") port(${port}) transport(tcp)); };`,
      'source s_int { internal(); };',
      `destination d_out { file(${sngString(out)} template("$MSG\\n")); };`,
      `destination d_int { file(${sngString(internal)} template("$MSG\\n")); };`,
      'log { source(s); destination(d_out); };',
      'log { source(s_int); destination(d_int); };',
      '',
    ].join('\n'),
  });
  t.after(() => d.stop());
  assert.doesNotMatch(d.stderr(), /stats\(freq\)/, 'stats(freq()) is not reported as having no effect');

  const N = 250;
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => {
      let text = '';
      for (let i = 1; i <= N; i++) text += `<13>Nov 26 12:00:00 host app: m${i}\n`;
      c.end(text, () => resolve());
    });
    c.on('error', reject);
  });
  await waitForLines(out, N, 20_000);
  const want = [`processed='src.network(s#0,tcp,127.0.0.1:${port})=${N}'`, `written='dst.file(d_out#0,${out})=${N}'`];
  // the line of a tick after the last write holds both counts
  const text = (await waitForText(internal, want[1], 20_000)).toString('utf8');
  const line = text.split('\n').find((l) => l.includes(want[1]));
  assert.ok(line?.startsWith('Log statistics; '), line);
  assert.ok(line!.includes(want[0]), line);
});
