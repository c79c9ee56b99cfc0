/**
 * proxied-udp's per-datagram decision: a v2 header in front of the payload
 * gives the addresses; anything else is dropped with its reason, and a LOCAL
 * header is counted as a health check.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setInternalSinks } from '../../src/core/internal-log.ts';
import { getCounter } from '../../src/core/stats.ts';
import { subscribeEvents, type EmittedEvent } from '../../src/core/telemetry.ts';
import { unwrapProxyDatagram } from '../../src/transport/proxy-datagram.ts';
import { V2_SIGNATURE } from '../../src/transport/proxy-header.ts';

// the lines themselves are the listener tests' business; here the events are read
before(() => setInternalSinks([() => {}]));

const peer = { address: '127.0.0.1', port: 40000, family: 'IPv4' as const };
const local = { address: '127.0.0.1', port: 514, family: 'IPv4' as const };
const ctx = { group: 'udp-probe' };
const addrs = Buffer.from([203, 0, 113, 7, 198, 51, 100, 10, 0x10, 0x92, 0x02, 0x02]);

function refusals(fn: () => void): string[] {
  const got: EmittedEvent[] = [];
  const stop = subscribeEvents((e) => got.push(e));
  try {
    fn();
  } finally {
    stop();
  }
  return got.filter((e) => e.kind === 'proxy_datagram_refused').map((e) => (e.fields as { reason: string }).reason);
}

test('a v2 header (DGRAM) in front of the message: the payload with the header addresses', () => {
  const d = unwrapProxyDatagram(Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x12, 0, 12]), addrs, Buffer.from('<13>hi')]), peer, local, ctx);
  assert.deepEqual(d, {
    source: { address: '203.0.113.7', port: 4242, family: 'IPv4' },
    destination: { address: '198.51.100.10', port: 514, family: 'IPv4' },
    payload: Buffer.from('<13>hi'),
  });
});

test('dropped with their reason: no header, a v1 line, a declared length past the datagram (AxoSyslog\'s overrun vector), a short datagram', () => {
  const reasons = refusals(() => {
    assert.equal(unwrapProxyDatagram(Buffer.from('<13>bare'), peer, local, ctx), undefined);
    assert.equal(unwrapProxyDatagram(Buffer.from('PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n<13>x'), peer, local, ctx), undefined);
    assert.equal(unwrapProxyDatagram(Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x12, 0xff, 0xff]), Buffer.alloc(12)]), peer, local, ctx), undefined);
    assert.equal(unwrapProxyDatagram(Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x12, 0, 12]), addrs.subarray(0, 6)]), peer, local, ctx), undefined);
    assert.equal(unwrapProxyDatagram(Buffer.alloc(0), peer, local, ctx), undefined);
  });
  assert.deepEqual(reasons, [
    'the datagram does not start with a PROXY v2 header',
    'a PROXY v1 line in a datagram; over UDP only the v2 header is read',
    'the PROXY v2 header is 65551 bytes long; the limit is 1500',
    'the datagram of 22 bytes ends inside its PROXY v2 header',
    'the datagram does not start with a PROXY v2 header',
  ]);
  assert.equal(getCounter('transport_proxy_datagrams_refused_total', { group: 'udp-probe' }), 5);
});

test('a LOCAL datagram is a health check: dropped, counted, not refused', () => {
  const before = getCounter('transport_proxy_health_checks_total', { group: 'udp-probe' });
  const reasons = refusals(() => {
    assert.equal(unwrapProxyDatagram(Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0, 0]), Buffer.from('<13>x')]), peer, local, ctx), undefined);
  });
  assert.deepEqual(reasons, []);
  assert.equal(getCounter('transport_proxy_health_checks_total', { group: 'udp-probe' }), before + 1);
});
