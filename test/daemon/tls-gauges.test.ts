/** Certificate gauges from held material: peer series are capped (peers choose their subjects), labels name the driver. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PEER_SERIES, tlsGaugeFamilies } from '../../src/daemon/main/tls-gauges.ts';
import type { PeerCertificate, TlsMaterialEntry } from '../../src/daemon/protocol.ts';

const entry = (key: string, drivers: string[] | undefined): TlsMaterialEntry => ({
  key,
  role: 'server',
  opts: {} as TlsMaterialEntry['opts'],
  location: { file: 'f.conf', line: 3, column: 5 },
  snapshot: { anchors: [] },
  drivers,
});

test(`a flood of distinct peers leaves at most ${MAX_PEER_SERIES} peer series; peers of unknown blocks are not shown`, () => {
  const peers: PeerCertificate[] = [];
  for (let i = 0; i < 10_000; i++) peers.push({ key: 'k1', subject: `CN=flood-${i}`, serial: i.toString(16).toUpperCase(), notAfter: 1_900_000_000 + i });
  peers.push({ key: 'gone', subject: 'CN=x', serial: '01', notAfter: 1 });
  const [certs, crls] = tlsGaugeFamilies([entry('k1', ['s_tls'])], peers);
  assert.equal(certs.samples.length, MAX_PEER_SERIES);
  assert.ok(certs.samples.every((s) => s.labels.role === 'peer' && s.labels.driver === 's_tls'));
  assert.equal(crls.samples.length, 0);
  assert.equal(tlsGaugeFamilies([entry('k1', ['s_tls'])], peers.slice(0, 3))[0].samples.length, 3);
});

test('a block no declaration was recorded for is labelled by its role and place in the file', () => {
  const [certs] = tlsGaugeFamilies([entry('k1', undefined)], [{ key: 'k1', subject: 'CN=a', serial: '0A', notAfter: 5 }]);
  assert.deepEqual(certs.samples, [{ labels: { driver: 'server@f.conf:3:5', role: 'peer', subject: 'CN=a', serial: '0A' }, value: 5 }]);
});
