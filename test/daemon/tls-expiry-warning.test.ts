/**
 * Expiry warnings: one internal() warning per certificate or CRL within
 * tls-expiry-warning-days() of its end, at most once a day per item, never per
 * connection; the threshold is an option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as fs from 'node:fs';
import { startLogferry } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { certOk } from '../cli/cert-helpers.ts';
import { ExpiryWarnings } from '../../src/daemon/main/expiry-warnings.ts';
import { compileForWorkers } from '../../src/daemon/main/compile.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { ExpiryNear } from '../../src/daemon/events.ts';

const DAY = 86_400_000;

function pkiWithShortLived(dir: string): string {
  const pki = path.join(dir, 'pki');
  certOk('init-ca', pki);
  certOk('issue', 'server', pki, '--cn', 'srv-short', '--san', 'IP:127.0.0.1', '--days', '5');
  certOk('issue', 'client', pki, '--cn', 'client-a');
  certOk('revoke', pki, '--days', '12');
  return pki;
}

const config = (pki: string, port: number, options = '') => `@version: 4.27
options { use-dns(no); ${options} };
source s_tls { syslog(ip("127.0.0.1") port(${port}) transport(tls)
  tls(key-file("${pki}/srv-short.key") cert-file("${pki}/srv-short.pem") ca-file("${pki}/ca.pem") crl-dir("${pki}/ca.d") peer-verify(required-trusted))); };
destination d { file("/dev/null"); };
log { source(s_tls); destination(d); };
`;

test('at most once a day per item: a second check the same day is silent, the next day warns again; 0 days turns it off', (t) => {
  const dir = tempDir('lf-expiry-unit');
  t.after(() => dir.remove());
  const pki = pkiWithShortLived(dir.path);
  const conf = path.join(dir.path, 'a.conf');
  fs.writeFileSync(conf, config(pki, 1));
  const { tls: entries } = compileForWorkers(loadConfig(conf));
  const got: ExpiryNear[] = [];
  let now = Date.now();
  let days = 30;
  const w = new ExpiryWarnings({ entries: () => entries, days: () => days, now: () => now, warn: (x) => got.push(x) });
  assert.equal(w.check(), 2);
  assert.deepEqual(got.map((g) => [g.role, g.subject, g.driver]).sort(), [['crl', 'CN=logferry CA', 's_tls'], ['own', 'CN=srv-short', 's_tls']].sort());
  assert.ok(got.find((g) => g.role === 'own')!.daysLeft <= 4, 'a 5-day certificate has at most 4 whole days left');
  now += 23 * 3_600_000;
  assert.equal(w.check(), 0, 'not again within a day');
  now += 2 * 3_600_000;
  assert.equal(w.check(), 2, 'again the next day');
  // about 2.9 days left of the certificate now: outside a 1-day threshold, though a day has passed
  days = 1;
  now += DAY;
  assert.equal(w.check(), 0, 'nothing within 1 day');
  days = 0;
  now += 10 * DAY;
  assert.equal(w.check(), 0, 'off');
});

test('a running daemon warns once per item at start, not per connection; tls-expiry-warning-days(3) stays quiet', async (t) => {
  const dir = tempDir('lf-expiry');
  t.after(() => dir.remove());
  const pki = pkiWithShortLived(dir.path);
  const port = await freePort();
  const d = await startLogferry({ config: config(pki, port), readyPorts: [port] });
  t.after(() => d.stop());
  await d.process.waitForStderr(/TLS material expires soon[^\n]*role='crl'/, 10_000);
  await d.process.waitForStderr(/TLS material expires soon[^\n]*role='own'/, 10_000);
  const client = { cert: fs.readFileSync(path.join(pki, 'client-a.pem')), key: fs.readFileSync(path.join(pki, 'client-a.key')), ca: fs.readFileSync(path.join(pki, 'ca.pem')), checkServerIdentity: () => undefined };
  for (let i = 0; i < 3; i++) {
    const s = tls.connect({ host: '127.0.0.1', port, ...client });
    await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
    s.end();
    await new Promise<void>((resolve) => s.once('close', () => resolve()));
  }
  const lines = d.stderr().split('\n').filter((l) => /TLS material expires soon/.test(l));
  assert.equal(lines.length, 2, lines.join('\n'));
  const own = lines.find((l) => /role='own'/.test(l))!;
  assert.match(own, /driver='s_tls', subject='CN=srv-short', serial='[0-9A-F]+', expires='\d{4}-\d\d-\d\dT[\d:.]+Z', days_left='4'/);
  assert.doesNotMatch(d.stderr(), /role='ca'/);

  const port2 = await freePort();
  const quiet = await startLogferry({ config: config(pki, port2, 'tls-expiry-warning-days(3);'), readyPorts: [port2] });
  t.after(() => quiet.stop());
  await quiet.process.waitForStderr(/starting up/, 10_000);
  assert.doesNotMatch(quiet.stderr(), /TLS material expires soon/);
});
