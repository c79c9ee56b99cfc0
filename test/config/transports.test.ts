/**
 * The transport table: each row is consistent in itself, and compile applies
 * it (TLS required/forbidden, source-only, not implemented, default ports,
 * the facts drivers get in their settings) with the existing error texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertConfigError, parse } from './helpers.ts';
import { TRANSPORT_TABLE, notImplementedText, transportFacts, type InetDriver } from '../../src/config/transports.ts';

const DRIVERS: InetDriver[] = ['network', 'syslog'];

test('every row is consistent in itself', () => {
  const names = TRANSPORT_TABLE.map((r) => r.name);
  assert.equal(new Set(names).size, names.length, 'one row per transport()');
  for (const r of TRANSPORT_TABLE) {
    if (r.tls !== 'forbidden') assert.equal(r.socket, 'stream', `${r.name}: TLS needs a stream`);
    assert.equal(r.maxPayload !== undefined, r.socket === 'datagram', `${r.name}: only datagrams have a payload limit`);
    for (const d of DRIVERS) assert.equal(r.framing[d] === 'datagram', r.socket === 'datagram', `${r.name}: ${d}() framing matches the socket`);
    assert.equal(r.listen === 'tls', r.tls === 'required', `${r.name}: a TLS listener exactly where TLS is required`);
    if (r.proxy === 'inside-tls' || r.proxy === 'before-tls') assert.equal(r.tls, 'required', `${r.name}: a PROXY header around TLS needs TLS`);
    if (r.legacySyslogPort !== undefined) assert.notEqual(r.legacySyslogPort, r.port.syslog, `${r.name}: the @version < 3.3 port differs`);
    // the PROXY header is read on every proxied row (stream and datagram), so none is refused
    if (r.proxy !== 'none') assert.equal(r.notImplemented, undefined, `${r.name}: PROXY rows are implemented`);
    if (r.proxy === 'plain') assert.equal(r.tls, 'forbidden', `${r.name}: a plain PROXY header comes without TLS`);
    assert.equal(r.macro.network, `bsdsyslog+${r.name}`);
  }
});

const tlsFor = (r: (typeof TRANSPORT_TABLE)[number]) => (r.tls === 'required' ? ' tls(peer-verify(optional-untrusted))' : '');

test('compile gives each implemented row to both drivers of both sides, with its default port', () => {
  for (const r of TRANSPORT_TABLE.filter((x) => !x.notImplemented)) {
    for (const d of DRIVERS) {
      const plan = parse(`@version: 4.27\nsource s { ${d}(transport(${r.name})${tlsFor(r)}); };\n`);
      const s = plan.sources.get('s')!.drivers[0].settings;
      assert.ok(s.kind === 'network-source');
      assert.deepEqual(s.transport, transportFacts(r, d), `${d}(transport(${r.name})) source`);
      assert.equal(s.port, r.port[d], `${d}(transport(${r.name})) default port`);
      if (r.sourceOnly) continue;
      const dst = parse(`@version: 4.27\ndestination x { ${d}("192.0.2.1" transport(${r.name})${tlsFor(r)}); };\n`).destinations.get('x')!.drivers[0].settings;
      assert.ok(dst.kind === 'network-destination');
      assert.deepEqual(dst.transport, transportFacts(r, d));
      assert.equal(dst.truncateSize, r.maxPayload, `${d}(transport(${r.name})) destination truncate-size()`);
    }
  }
});

test('compile refuses what the table refuses, with the existing texts', () => {
  for (const r of TRANSPORT_TABLE) {
    const src = `@version: 4.27\nsource s { network(transport(${r.name})${tlsFor(r)}); };\n`;
    if (r.notImplemented) assertConfigError(src, 'bad.conf:2:20', notImplementedText(r)!);
    if (r.sourceOnly) {
      assertConfigError(`@version: 4.27\ndestination d { network("h" transport(${r.name})${tlsFor(r)}); };\n`, 'bad.conf:2:29', `transport(${r.name}) is only available in sources`);
    }
    if (r.tls === 'required' && !r.notImplemented) {
      assertConfigError(`@version: 4.27\nsource s { syslog(transport(${r.name})); };\n`, 'bad.conf:2:19', `transport(${r.name}) was specified, but tls() options missing`);
    }
    if (r.tls === 'forbidden' && !r.notImplemented) {
      assertConfigError(
        `@version: 4.27\nsource s { network(transport(${r.name}) tls(peer-verify(optional-untrusted))); };\n`,
        `bad.conf:2:${32 + r.name.length}`,
        `tls() options specified for a transport that doesn't allow TLS encryption; transport='${r.name}'`,
      );
    }
  }
  assertConfigError('@version: 4.27\nsource s { network(transport(carrier-pigeon)); };\n', 'bad.conf:2:20', "no such LogProto plugin found; transport='carrier-pigeon'");
});

test('syslog() under @version < 3.3 keeps the old port where the row says so, with a warning', () => {
  for (const r of TRANSPORT_TABLE.filter((x) => !x.notImplemented)) {
    const plan = parse(`@version: 3.2\nsource s { syslog(transport(${r.name})${tlsFor(r)}); };\n`);
    const s = plan.sources.get('s')!.drivers[0].settings;
    assert.ok(s.kind === 'network-source');
    assert.equal(s.port, r.legacySyslogPort ?? r.port.syslog, r.name);
    assert.equal(plan.warnings.some((w) => w.includes('because of the @version < 3.3 configuration')), r.legacySyslogPort !== undefined, r.name);
  }
});
