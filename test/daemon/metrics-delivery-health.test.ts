/**
 * The traffic and delivery-health series of /metrics against one running
 * logferry: bytes received per source (TCP and UDP) equal the bytes sent;
 * max-connections() refusals are counted per source; each sending host's
 * last-seen time appears, survives its disconnect, and the table keeps at most
 * LOGFERRY_MAX_HOST_SERIES hosts (evicting the longest silent, counted); a
 * destination whose peer is down shows the age of its oldest waiting message,
 * 0 once it delivered, and its written bytes equal what its peer received (a
 * file destination's, the file's size); a reload is counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('scrape timed out')));
    req.on('error', reject);
  });
}

interface Sample {
  labels: Record<string, string>;
  value: number;
}

function series(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^logferry_${name}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

/** the value of the one sample of `name` whose labels include `labels`, or undefined */
function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  return series(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrapeUntil(port: number, ok: (body: string) => boolean, what: string, ms = 8000): Promise<string> {
  const end = Date.now() + ms;
  let body = '';
  for (let i = 0; i < 400 && Date.now() < end; i++) {
    body = await scrape(port);
    if (ok(body)) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not seen within ${ms} ms; last scrape:\n${body}`);
}

function sendUdp(port: number, from: string, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.bind(0, from, () => s.send(payload, port, '127.0.0.1', (err) => (s.close(), err ? reject(err) : resolve())));
  });
}

test('bytes in and out, refusals, hosts last seen (bounded, kept after disconnect), oldest waiting message, reloads', async (t) => {
  const dir = tempDir('lf-metrics-health');
  t.after(() => dir.remove());
  const [tport, uport, dport, mport] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); metrics-listen("127.0.0.1:${mport}"); };
source s_tcp { network(ip("127.0.0.1") port(${tport}) transport(tcp) max-connections(1)); };
source s_udp { network(ip("127.0.0.1") port(${uport}) transport(udp)); };
destination d_net { network("127.0.0.1" port(${dport}) transport(tcp) time-reopen(1)); };
destination d_file { file("${path.join(dir.path, 'udp.log')}"); };
log { source(s_tcp); destination(d_net); };
log { source(s_udp); destination(d_file); };
`,
    readyPorts: [tport],
    env: { LOGFERRY_MAX_HOST_SERIES: '2' },
  });
  t.after(() => d.stop());
  await d.process.waitForStderr(/Metrics endpoint listening/, 10_000);

  // nothing waits yet: the age is 0, not absent
  const first = await scrape(mport);
  assert.equal(valueOf(first, 'destination_oldest_queued_message_age_seconds', { destination: 'd_net' }), 0);
  assert.equal(valueOf(first, 'destination_written_bytes_total', { destination: 'd_net' }), 0);
  assert.match(first, /^# HELP logferry_source_host_last_seen_timestamp_seconds .+\n# TYPE logferry_source_host_last_seen_timestamp_seconds gauge$/m);

  // TCP: three lines on one connection
  const lines = ['<13>health one\n', '<13>health two\n', '<13>health three\n'];
  const tcpBytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  const t0 = Math.floor(Date.now() / 1000);
  const conn = net.connect(tport, '127.0.0.1');
  t.after(() => conn.destroy());
  await new Promise<void>((resolve, reject) => conn.once('connect', resolve).once('error', reject));
  conn.write(lines.join(''));
  let body = await scrapeUntil(mport, (b) => valueOf(b, 'source_received_messages_total', { source: 's_tcp' }) === 3, '3 messages received');
  assert.equal(valueOf(body, 'source_received_bytes_total', { source: 's_tcp' }), tcpBytes);
  const seenTcp = valueOf(body, 'source_host_last_seen_timestamp_seconds', { source: 's_tcp', host: '127.0.0.1' });
  assert.ok(seenTcp !== undefined && seenTcp >= t0 && seenTcp <= Date.now() / 1000, `last seen within the run: ${seenTcp}`);

  // a second connection is over max-connections(1): refused and counted for this source
  const extra = net.connect(tport, '127.0.0.1');
  extra.on('error', () => {});
  await new Promise<void>((resolve) => extra.once('close', () => resolve()));
  await scrapeUntil(mport, (b) => valueOf(b, 'transport_rejected_connections_total', { group: 's_tcp' }) === 1, 'one refused connection');

  // the sender leaves: its host stays, with the same time
  conn.end();
  body = await scrapeUntil(mport, (b) => valueOf(b, 'source_open_connections', { source: 's_tcp' }) === 0, 'the connection closed');
  assert.equal(valueOf(body, 'source_host_last_seen_timestamp_seconds', { source: 's_tcp', host: '127.0.0.1' }), seenTcp, 'kept after the disconnect');

  // d_net's peer is down: the three lines wait, and their age grows
  body = await scrapeUntil(mport, (b) => (valueOf(b, 'destination_oldest_queued_message_age_seconds', { destination: 'd_net' }) ?? 0) >= 1, 'an age of a second');
  assert.equal(valueOf(body, 'destination_queued_messages', { destination: 'd_net' }), 3);
  assert.equal(valueOf(body, 'destination_written_bytes_total', { destination: 'd_net' }), 0);
  const age = valueOf(body, 'destination_oldest_queued_message_age_seconds', { destination: 'd_net' })!;
  assert.ok(age <= Date.now() / 1000 - t0 + 1, `the age (${age} s) is no more than the time since the lines were sent`);

  // UDP: a datagram from 127.0.0.1 fills the table (limit 2)...
  const dg = '<13>udp health';
  await sendUdp(uport, '127.0.0.1', dg);
  body = await scrapeUntil(mport, (b) => valueOf(b, 'source_received_bytes_total', { source: 's_udp' }) === Buffer.byteLength(dg), 'the datagram counted');
  assert.equal(series(body, 'source_host_last_seen_timestamp_seconds').length, 2);
  assert.equal(series(body, 'source_host_series_evicted_total').length, 0, 'no eviction yet');
  // ...and one from 127.0.0.2 evicts the host silent the longest: s_tcp's
  await sendUdp(uport, '127.0.0.2', dg);
  body = await scrapeUntil(mport, (b) => valueOf(b, 'source_host_series_evicted_total', {}) === 1, 'one eviction');
  assert.deepEqual(series(body, 'source_host_last_seen_timestamp_seconds').map((s) => `${s.labels.source}/${s.labels.host}`).sort(), ['s_udp/127.0.0.1', 's_udp/127.0.0.2']);
  assert.equal(valueOf(body, 'source_received_bytes_total', { source: 's_udp' }), 2 * Buffer.byteLength(dg));
  // file(): the bytes written are the file's size
  body = await scrapeUntil(mport, (b) => valueOf(b, 'destination_written_messages_total', { destination: 'd_file' }) === 2, 'two datagrams in the file');
  assert.equal(valueOf(body, 'destination_written_bytes_total', { destination: 'd_file' }), fs.statSync(path.join(dir.path, 'udp.log')).size);

  // the peer comes up: the lines go out, the age is 0 again, and the bytes written are the bytes it got
  let got = 0;
  const receiver = net.createServer((s) => s.on('data', (c: Buffer) => (got += c.length)));
  await new Promise<void>((resolve) => receiver.listen(dport, '127.0.0.1', resolve));
  t.after(() => receiver.close());
  body = await scrapeUntil(mport, (b) => valueOf(b, 'destination_written_messages_total', { destination: 'd_net' }) === 3, 'three lines delivered', 10_000);
  assert.equal(valueOf(body, 'destination_oldest_queued_message_age_seconds', { destination: 'd_net' }), 0);
  const written = valueOf(body, 'destination_written_bytes_total', { destination: 'd_net' });
  assert.ok(written !== undefined && written > tcpBytes, `the formatted lines are longer than the raw ones: ${written}`);
  const deadline = Date.now() + 5000;
  while (got < written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(got, written, 'bytes written = bytes the peer received');

  // a reload is counted, and the hosts of kept sources stay
  process.kill(d.pid, 'SIGHUP');
  body = await scrapeUntil(mport, (b) => series(b, 'daemon_reloads_total').reduce((n, s) => n + s.value, 0) === 1, 'one reload counted');
  assert.equal(series(body, 'source_host_last_seen_timestamp_seconds').length, 2);
});
