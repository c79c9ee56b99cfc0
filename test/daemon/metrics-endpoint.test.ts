/**
 * The /metrics endpoint against a running logferry with a mutual-TLS syslog()
 * source: the received counter equals what `logferry send` sent; the own, CA
 * and CRL gauges equal the files' dates to the second and follow a rotation of
 * the server certificate; a connected peer has a series that goes when it
 * disconnects. The options { metrics-listen() } route, and 404 off /metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { logferryCommand, startLogferry } from '../helpers/daemon.ts';
import * as net from 'node:net';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';
import { runToExit, startSyslogNgCompatible, tempDir } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { certOk, openssl } from '../cli/cert-helpers.ts';
import { runSendCli } from '../send/lib.ts';

function get(port: number, urlPath: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

interface Series {
  labels: Record<string, string>;
  value: number;
}

/** the samples of one metric in an exposition (label values here never hold quotes or commas inside escapes) */
function series(text: string, name: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

/** Scrapes until `pick` returns something (bounded by `withinMs`); the last body is in the failure. */
async function scrapeUntil<T>(port: number, pick: (body: string) => T | undefined, withinMs: number, what: string): Promise<T> {
  const until = Date.now() + withinMs;
  let body = '';
  for (let i = 0; i < 400 && Date.now() < until; i++) {
    body = (await get(port, '/metrics')).body;
    const v = pick(body);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not seen within ${withinMs} ms; last scrape:\n${body}`);
}

const NOT_AFTER = 'logferry_tls_certificate_not_after_timestamp_seconds';
const CRL_NEXT = 'logferry_tls_crl_next_update_timestamp_seconds';
const notAfterOf = (file: string) => Math.floor(Date.parse(new X509Certificate(fs.readFileSync(file)).validTo) / 1000);
const serialOf = (file: string) => new X509Certificate(fs.readFileSync(file)).serialNumber;

test('mutual TLS: received equals sent; own, CA, CRL and peer gauges equal the files to the second; the peer series goes at disconnect; the own gauge follows rotation', async (t) => {
  const dir = tempDir('lf-metrics');
  t.after(() => dir.remove());
  const pki = path.join(dir.path, 'pki');
  certOk('init-ca', pki);
  certOk('issue', 'server', pki, '--cn', 'srv-1', '--san', 'IP:127.0.0.1');
  // another validity, so the rotated gauge differs from the first by its value, not only its serial
  certOk('issue', 'server', pki, '--cn', 'srv-2', '--san', 'IP:127.0.0.1', '--days', '400');
  for (const cn of ['client-a', 'client-b']) certOk('issue', 'client', pki, '--cn', cn);
  certOk('revoke', pki, '--days', '12');
  const caDir = path.join(pki, 'ca.d');
  const live = path.join(dir.path, 'live');
  fs.mkdirSync(live);
  const install = (cn: string) => {
    for (const ext of ['key', 'pem']) {
      fs.copyFileSync(path.join(pki, `${cn}.${ext}`), path.join(live, `tmp.${ext}`));
      fs.renameSync(path.join(live, `tmp.${ext}`), path.join(live, `server.${ext}`));
    }
  };
  install('srv-1');

  const port = await freePort();
  const d = await startSyslogNgCompatible([...logferryCommand(), '--metrics-listen', '127.0.0.1:0'], {
    name: 'logferry',
    config: `@version: 4.27
options { use-dns(no); };
source s_tls { syslog(ip("127.0.0.1") port(${port}) transport(tls)
  tls(key-file("${live}/server.key") cert-file("${live}/server.pem") ca-dir("${caDir}") crl-dir("${caDir}") peer-verify(required-trusted))); };
destination d_null { file("${dir.path}/out.log"); };
log { source(s_tls); destination(d_null); };
`,
    readyPorts: [port],
    env: { LOGFERRY_TLS_POLL_MS: '300' },
  });
  t.after(() => d.stop());
  const announced = await d.process.waitForStderr(/Metrics endpoint listening[^\n]*port='(\d+)'/, 10_000);
  const mport = Number(/port='(\d+)'/.exec(announced)![1]);

  assert.equal((await get(mport, '/')).status, 404);
  assert.equal((await get(mport, '/metricsx')).status, 404);
  const first = await get(mport, '/metrics');
  assert.equal(first.status, 200);
  assert.equal(first.type, 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(first.body, /^# HELP logferry_tls_certificate_not_after_timestamp_seconds .+\n# TYPE logferry_tls_certificate_not_after_timestamp_seconds gauge$/m);

  assert.equal(series(first.body, 'logferry_destination_last_write_timestamp_seconds').length, 0, 'no write yet: no last-write time');
  const N = 250;
  const beforeSend = Math.floor(Date.now() / 1000);
  const sent = await runSendCli(['127.0.0.1', String(port), '--count', String(N), '--ca-file', path.join(pki, 'ca.pem'), '--cert', path.join(pki, 'client-a.pem'), '--key', path.join(pki, 'client-a.key')], undefined, 30_000);
  assert.equal(sent.code, 0, sent.stderr + sent.stdout);
  const received = await scrapeUntil(mport, (b) => series(b, 'logferry_source_received_messages_total').find((s) => s.labels.source === 's_tls' && s.value >= N), 10_000, `${N} received`);
  assert.equal(received.value, N);
  const written = await scrapeUntil(mport, (b) => series(b, 'logferry_destination_written_messages_total').find((s) => s.labels.destination === 'd_null' && s.value >= N), 10_000, `${N} written`);
  assert.equal(written.value, N);
  const lastWrite = series((await get(mport, '/metrics')).body, 'logferry_destination_last_write_timestamp_seconds').find((s) => s.labels.destination === 'd_null');
  assert.ok(lastWrite && lastWrite.value >= beforeSend && lastWrite.value <= Date.now() / 1000, `last write time within the run: ${JSON.stringify(lastWrite)}`);
  const helpBody = (await get(mport, '/metrics')).body;
  assert.match(helpBody, /^# HELP logferry_source_received_messages_total Messages a source handed to the log paths\n# TYPE logferry_source_received_messages_total counter$/m);
  assert.match(helpBody, /^# TYPE logferry_destination_queued_messages gauge$/m);
  const accepted = series((await get(mport, '/metrics')).body, 'logferry_transport_accepted_connections_total');
  assert.ok(accepted.reduce((n, s) => n + s.value, 0) >= 1, 'the sender\'s connection is counted');
  const handshakes = series((await get(mport, '/metrics')).body, 'logferry_tls_handshakes_total').filter((s) => s.labels.side === 'source');
  assert.equal(handshakes.reduce((n, s) => n + s.value, 0), accepted.reduce((n, s) => n + s.value, 0), 'each accepted TLS connection is one completed handshake');

  const body = (await get(mport, '/metrics')).body;
  const certs = series(body, NOT_AFTER);
  const own = certs.filter((s) => s.labels.role === 'own');
  assert.equal(own.length, 1, body);
  assert.deepEqual(own[0].labels, { driver: 's_tls', role: 'own', subject: 'CN=srv-1', serial: serialOf(path.join(pki, 'srv-1.pem')) });
  assert.equal(own[0].value, notAfterOf(path.join(pki, 'srv-1.pem')));
  const ca = certs.filter((s) => s.labels.role === 'ca');
  assert.equal(ca.length, 1, body);
  assert.equal(ca[0].labels.serial, serialOf(path.join(pki, 'ca.pem')));
  assert.equal(ca[0].value, notAfterOf(path.join(pki, 'ca.pem')));
  const crl = series(body, CRL_NEXT);
  assert.equal(crl.length, 1, body);
  const nextUpdate = /nextUpdate=(.+)/.exec(openssl(['crl', '-in', path.join(pki, 'crl.pem'), '-noout', '-nextupdate']).stdout)![1];
  assert.equal(crl[0].value, Math.floor(Date.parse(nextUpdate) / 1000));
  assert.equal(crl[0].labels.driver, 's_tls');
  // the sender has gone: no peer series remain
  await scrapeUntil(mport, (b) => (series(b, NOT_AFTER).some((s) => s.labels.role === 'peer') ? undefined : true), 5000, 'no peer series after the sender left');

  // a peer that stays connected has its series, with its certificate's date, until it disconnects
  const peer = tls.connect({
    host: '127.0.0.1',
    port,
    cert: fs.readFileSync(path.join(pki, 'client-b.pem')),
    key: fs.readFileSync(path.join(pki, 'client-b.key')),
    ca: fs.readFileSync(path.join(pki, 'ca.pem')),
    checkServerIdentity: () => undefined,
  });
  t.after(() => peer.destroy());
  await new Promise<void>((resolve, reject) => peer.once('secureConnect', resolve).once('error', reject));
  const serialB = serialOf(path.join(pki, 'client-b.pem'));
  const open = series((await get(mport, '/metrics')).body, 'logferry_source_open_connections').find((s) => s.labels.source === 's_tls');
  assert.equal(open?.value, 1, 'the connected peer holds one connection');
  const peerSeries = await scrapeUntil(mport, (b) => series(b, NOT_AFTER).find((s) => s.labels.role === 'peer' && s.labels.serial === serialB), 5000, 'the connected peer');
  assert.deepEqual(peerSeries.labels, { driver: 's_tls', role: 'peer', subject: 'CN=client-b', serial: serialB });
  assert.equal(peerSeries.value, notAfterOf(path.join(pki, 'client-b.pem')));
  peer.end();
  await new Promise<void>((resolve) => peer.once('close', () => resolve()));
  await scrapeUntil(mport, (b) => (series(b, NOT_AFTER).some((s) => s.labels.role === 'peer') ? undefined : true), 5000, 'the peer series gone after the disconnect');
  await scrapeUntil(mport, (b) => (series(b, 'logferry_source_open_connections').find((s) => s.labels.source === 's_tls')?.value === 0 ? true : undefined), 5000, 'no open connection after the disconnect');

  // rotation: the server certificate files are replaced; the own gauge follows
  install('srv-2');
  const serial2 = serialOf(path.join(pki, 'srv-2.pem'));
  const rotated = await scrapeUntil(mport, (b) => series(b, NOT_AFTER).find((s) => s.labels.role === 'own' && s.labels.serial === serial2), 10_000, 'the rotated own certificate');
  assert.equal(rotated.value, notAfterOf(path.join(pki, 'srv-2.pem')));
  assert.notEqual(rotated.value, own[0].value);
  const after = series((await get(mport, '/metrics')).body, NOT_AFTER).filter((s) => s.labels.role === 'own');
  assert.equal(after.length, 1, 'the old own series is gone');
});

test('options { metrics-listen() } opens the endpoint and a reload moves it; without it, none is announced', async (t) => {
  const [sport, mport, mport2] = [await freePort(), await freePort(), await freePort()];
  const conf = (m: number) => `@version: 4.27
options { use-dns(no); metrics-listen("127.0.0.1:${m}"); };
source s { network(ip("127.0.0.1") port(${sport})); };
destination d { file("/dev/null"); };
log { source(s); destination(d); };
`;
  const d = await startLogferry({ config: conf(mport), readyPorts: [sport] });
  t.after(() => d.stop());
  await d.process.waitForStderr(/Metrics endpoint listening/, 10_000);
  const r = await get(mport, '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.body, /^logferry_source_received_messages_total\{source="s"\} 0$/m);

  // SIGHUP with another address: the endpoint moves there
  fs.writeFileSync(d.configPath, conf(mport2));
  process.kill(d.pid, 'SIGHUP');
  await d.process.waitForStderr(new RegExp(`Metrics endpoint listening[^\\n]*port='${mport2}'`), 10_000);
  assert.equal((await get(mport2, '/metrics')).status, 200);
  await assert.rejects(get(mport, '/metrics'), /ECONNREFUSED/);

  // the endpoint closes with the daemon
  await d.stop();
  await assert.rejects(get(mport2, '/metrics'), /ECONNREFUSED/);

  const sport2 = await freePort();
  const plain = await startLogferry({
    config: `@version: 4.27
source s { network(ip("127.0.0.1") port(${sport2})); };
destination d { file("/dev/null"); };
log { source(s); destination(d); };
`,
    readyPorts: [sport2],
  });
  t.after(() => plain.stop());
  await plain.process.waitForStderr(/starting up/, 10_000);
  assert.doesNotMatch(plain.stderr(), /Metrics endpoint/);
});

test('a metrics address in use ends the start with one line naming it and the fix', async (t) => {
  const dir = tempDir('lf-metrics-busy');
  t.after(() => dir.remove());
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const mport = (busy.address() as net.AddressInfo).port;
  const conf = path.join(dir.path, 'busy.conf');
  fs.writeFileSync(conf, `@version: 4.27\nsource s { network(ip("127.0.0.1") port(${await freePort()})); };\ndestination d { file("/dev/null"); };\nlog { source(s); destination(d); };\n`);
  const r = await runToExit(process.execPath, [LOGFERRY_MAIN, '-F', '-f', conf, '--metrics-listen', `127.0.0.1:${mport}`], { name: 'logferry', timeoutMs: 20_000 });
  assert.equal(r.exit.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`metrics-listen 127\\.0\\.0\\.1:${mport}: the address is in use; choose another port`));
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack');
});
