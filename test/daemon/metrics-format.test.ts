/** The Prometheus text exposition format 0.0.4: HELP/TYPE lines, escaping, counter vs gauge, order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHelp, escapeLabelValue, familiesOf, formatExposition, sanitizeName } from '../../src/daemon/main/metrics-format.ts';
import { parseListen as parseListenForTest } from '../../src/daemon/main/metrics-server.ts';
import { parseArgs } from '../../src/cli/args.ts';
import { parseConfigText } from '../../src/config/index.ts';

test('label values escape backslash, double quote and newline; HELP escapes backslash and newline only', () => {
  assert.equal(escapeLabelValue('CN=a\\b,O="x"\nOU=y'), 'CN=a\\\\b,O=\\"x\\"\\nOU=y');
  assert.equal(escapeHelp('a "quoted" \\ back\nslash'), 'a "quoted" \\\\ back\\nslash');
  assert.equal(sanitizeName('a-b.c'), 'a_b_c');
  assert.equal(sanitizeName('1abc'), '_1abc');
  assert.equal(sanitizeName('x:y', true), 'x_y');
  assert.equal(sanitizeName('x:y'), 'x:y');
});

test('families: one HELP and one TYPE line each, samples under them, labels sorted, _total is a counter', () => {
  const fams = familiesOf(
    [
      { name: 'source_received_messages_total', labels: { source: 's' }, value: 5 },
      { name: 'destination_queued_messages', labels: { destination: 'd"1' }, value: 2 },
      { name: 'source_received_messages_total', labels: { source: 't' }, value: 7 },
    ],
    'logferry_',
    (n) => `help of ${n}`,
  );
  const text = formatExposition([
    ...fams,
    { name: 'logferry_tls_certificate_not_after_timestamp_seconds', type: 'gauge', help: 'x', samples: [{ labels: { subject: 'CN=a\nb', driver: 's', role: 'own', serial: '0A' }, value: 1800000000 }] },
  ]);
  assert.equal(
    text,
    [
      '# HELP logferry_destination_queued_messages help of destination_queued_messages',
      '# TYPE logferry_destination_queued_messages gauge',
      'logferry_destination_queued_messages{destination="d\\"1"} 2',
      '# HELP logferry_source_received_messages_total help of source_received_messages_total',
      '# TYPE logferry_source_received_messages_total counter',
      'logferry_source_received_messages_total{source="s"} 5',
      'logferry_source_received_messages_total{source="t"} 7',
      '# HELP logferry_tls_certificate_not_after_timestamp_seconds x',
      '# TYPE logferry_tls_certificate_not_after_timestamp_seconds gauge',
      'logferry_tls_certificate_not_after_timestamp_seconds{driver="s",role="own",serial="0A",subject="CN=a\\nb"} 1800000000',
      '',
    ].join('\n'),
  );
  assert.equal(formatExposition([]), '');
  assert.match(formatExposition([{ name: 'g', type: 'gauge', help: 'h', samples: [{ labels: {}, value: NaN }, { labels: {}, value: Infinity }] }]), /^g NaN\ng \+Inf\n$/m);
});

test('metrics-listen addresses: ADDR:PORT, [v6]:PORT and :PORT; anything else is one sentence with an example', () => {
  assert.deepEqual(parseListenForTest('127.0.0.1:9577'), { host: '127.0.0.1', port: 9577 });
  assert.deepEqual(parseListenForTest('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListenForTest(':9577'), { host: undefined, port: 9577 });
  for (const bad of ['9577', 'localhost', '1.2.3.4:70000', '::1:80']) {
    assert.throws(() => parseListenForTest(bad), /is not ADDR:PORT; write e\.g\. 127\.0\.0\.1:9577/, bad);
  }
});

test('a bad address is refused where it is written: --metrics-listen is a usage error, metrics-listen() a config error at its place', () => {
  assert.equal(parseArgs(['--metrics-listen', '127.0.0.1:9577']).metricsListen, '127.0.0.1:9577');
  assert.throws(() => parseArgs(['--metrics-listen', '9577']), (e: Error) => e.name === 'UsageError' && /--metrics-listen '9577' is not ADDR:PORT/.test(e.message));
  const ok = parseConfigText('@version: 4.27\noptions { metrics-listen("[::1]:9577"); };\n', 'ok.conf');
  assert.equal(ok.globals.metricsListen, '[::1]:9577');
  assert.throws(
    () => parseConfigText('@version: 4.27\noptions { metrics-listen("localhost"); };\n', 'bad.conf'),
    (e: Error & { loc?: { line: number } }) => /metrics-listen\(\) 'localhost' is not ADDR:PORT/.test(e.message) && e.loc?.line === 2,
  );
});
