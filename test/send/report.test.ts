/** The words of a run's end: summary, grouped error lines, the progress line, and `ok`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, errorLines, progressLine, summaryText } from '../../src/send/report.ts';
import { resolveSendOptions } from '../../src/send/options.ts';
import { PROGRESS_MS } from '../../src/send/run.ts';
import type { ConnectionResult } from '../../src/send/connection.ts';

const tcp = resolveSendOptions({ host: 'h', port: '514', transport: 'tcp', count: '10' });
const conn = (index: number, sent: number, acknowledged: number | null, error?: ConnectionResult['error']): ConnectionResult => ({
  index, sender: `r-${index}`, granted: sent, sent, acknowledged, bytes: sent * 10, closedCleanly: acknowledged === null ? null : !error, error,
});

test('ok only when every planned message is acknowledged and nothing failed', () => {
  assert.equal(buildReport(tcp, 'r', 10, [conn(1, 6, 6), conn(2, 4, 4)], 1000).ok, true);
  assert.equal(buildReport(tcp, 'r', 10, [conn(1, 6, 6), conn(2, 3, 3)], 1000).ok, false, 'one short');
  const refused = buildReport(tcp, 'r', 10, [conn(1, 10, 0, { reason: 'peer_rejected_us', message: 'm', fix: 'f' })], 1000);
  assert.deepEqual([refused.ok, refused.sent, refused.acknowledged, refused.errors], [false, 10, 0, 1]);
  const udp = resolveSendOptions({ host: 'h', port: '514', transport: 'udp', count: '10' });
  const u = buildReport(udp, 'r', 10, [conn(1, 10, null)], 500);
  assert.deepEqual([u.ok, u.acknowledged, u.rate], [true, null, 20]);
});

test('the summary says what the numbers mean', () => {
  const good = summaryText(buildReport(tcp, 'ab12cd34', 10, [conn(1, 10, 10)], 2000));
  assert.match(good, /^logferry send: 10 of 10 messages sent and confirmed by the receiver's clean close; to h:514 over tcp, octet framing, RFC 5424, 1 connection \(sender ab12cd34-1\), 2\.000 s, 5 msg\/s, 100 bytes, 0 errors\n$/);
  const bad = summaryText(buildReport(tcp, 'ab12cd34', 10, [conn(1, 10, 0, { reason: 'x', message: 'm' })], 2000));
  assert.match(bad, /10 of 10 messages written, 0 confirmed by the receiver's clean close/);
});

test('the same failure on several connections is one line naming them', () => {
  const e = { reason: 'connect_failed', message: 'connection refused by tcp h:514: nothing listens there', fix: 'check HOST and PORT' };
  const lines = errorLines([conn(1, 0, 0, e), conn(2, 5, 5), conn(3, 0, 0, e)]);
  assert.deepEqual(lines, ['logferry send: error (connections 1, 3): connection refused by tcp h:514: nothing listens there. Fix: check HOST and PORT']);
  assert.match(errorLines([conn(1, 0, 0, e), conn(2, 0, 0, e)])[0], /error \(every connection\)/);
});

test('the progress line: sent, rate, errors; updated at most four times a second', () => {
  assert.equal(progressLine(12345, 4115.2, 1, 3), 'logferry send: 12,345 sent, 4,115 msg/s, 1 error, 3.0 s');
  assert.ok(PROGRESS_MS >= 250);
});
