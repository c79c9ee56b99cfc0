/**
 * The seam between the daemon's main thread and its workers (src/daemon/protocol.ts): what the
 * main thread sends is plain data, a worker built from a structured clone of it builds the same
 * drivers, TLS material read in one place handshakes in another, and new material sent to a
 * running worker reaches new handshakes on a listener that is already open.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { ConfigError, parseConfigText } from '../../src/config/index.ts';
import { formatConfigError } from '../../src/config/errors.ts';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { allCounters } from '../../src/core/stats.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { errorFromData, errorToData } from '../../src/daemon/error-data.ts';
import { compileForWorkers } from '../../src/daemon/main/compile.ts';
import { inProcessWorker } from '../../src/daemon/main/in-process-worker.ts';
import type { MainToWorker, WorkerInit } from '../../src/daemon/protocol.ts';
import { buildWorker } from '../../src/daemon/worker/runtime.ts';
import { prepare, type Prepared } from '../../src/daemon/worker/prepare.ts';
import { buildTlsEndpoint, loadTlsBlock } from '../../src/tls/endpoint.ts';
import type { PeerAddress, TlsEndpoint, TlsOptions, TlsSession } from '../../src/tls/types.ts';
import { exampleBlocks } from '../helpers/fixtures.ts';
import { makePki, type Pki } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';

let pkiPromise: Promise<Pki> | undefined;
function testPki(): Promise<Pki> {
  pkiPromise ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lf-thread-model-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    return makePki(dir);
  })();
  return pkiPromise;
}

function quiet(): InternalEvent[] {
  const seen: InternalEvent[] = [];
  setInternalSinks([(ev) => seen.push(ev)]);
  return seen;
}

/** What a driver was built with, as comparable text (functions by name: formatters, file-name templates). */
function driversOf(p: Prepared): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(
    { sources: p.sources.map((s) => [s.name, s.effective]), destinations: p.destinations.map((d) => [d.name, d.effective]) },
    (_k, v: unknown) => {
      if (typeof v === 'function') return `fn ${v.name}`;
      if (typeof v === 'bigint') return String(v);
      if (v instanceof RegExp) return String(v);
      if (v instanceof Map) return [...v.entries()];
      if (v instanceof Set) return [...v.values()];
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '(seen)';
        seen.add(v);
      }
      return v;
    },
  );
}

/** An example block with its files in the test PKI (so its tls() blocks load) and its sources read by a log path. */
function runnable(text: string, pki: Pki): string {
  const file = (p: string): string => {
    const base = p.slice(p.lastIndexOf('/') + 1);
    if (/\.d\/?$/.test(p)) return pki.caDir;
    if (base.endsWith('.p12')) return join(pki.dir, 'server.p12');
    if (p.startsWith('/var/log/')) return join(pki.dir, 'out.log');
    if (!/\.(pem|key|crt|cert)$/.test(base)) return p;
    const client = base.includes('client');
    if (base.includes('key')) return client ? pki.client1Key : pki.serverKey;
    return client ? pki.client1Cert : pki.serverCert;
  };
  let out = text.replace(/(["'])(\/[^"'\n]*)\1/g, (_all, _q: string, p: string) => `"${file(p)}"`);
  // a source no log path reads is not built at all
  if (!/^\s*log\s*\{/m.test(out)) for (const m of out.matchAll(/^\s*source\s+(\S+)\s*\{/gm)) out += `\nlog { source(${m[1]}); };\n`;
  return out;
}

test('every example config that compiles: its init message survives structuredClone, and a worker built from the clone builds the same drivers', async () => {
  const pki = await testPki();
  const seen = quiet();
  let compiled = 0;
  let tlsBlocks = 0;
  for (const b of exampleBlocks()) {
    if (!b.file.endsWith('.conf')) continue;
    let init: WorkerInit;
    let plan;
    try {
      plan = parseConfigText(runnable(b.text, pki), `examples/${b.file}`);
      init = { ...compileForWorkers(plan), logging: { stderr: false, verbose: false, debug: false }, pid: 4321 };
    } catch {
      continue; // fragments, and the blocks the spec shows failing (test/config/examples.test.ts covers those)
    }
    compiled++;
    tlsBlocks += init.tls.length;
    const msg: MainToWorker = { type: 'init', ...init };
    const clone = structuredClone(msg);
    assert.deepStrictEqual(clone, msg, `${b.file}: the init message is plain data`);
    assert.equal(clone.type, 'init');
    const viaWorker = buildWorker(clone as WorkerInit);
    const direct = prepare(plan, { dryRun: true, pid: 4321 });
    assert.equal(driversOf(viaWorker.prepared), driversOf(direct), `${b.file}: same drivers, same effective settings`);
  }
  assert.ok(compiled >= 19, `compiled ${compiled} example configs`);
  assert.ok(tlsBlocks >= 16, `${tlsBlocks} tls() blocks went through a material snapshot`);
  assert.ok(!seen.some((e) => e.level === 'error'), seen.map((e) => e.text).join('\n'));
});

function peerOf(s: net.Socket): PeerAddress {
  return { address: s.remoteAddress ?? '', port: s.remotePort ?? 0, family: s.remoteFamily === 'IPv6' ? 'IPv6' : 'IPv4' };
}

/** One loopback handshake between two endpoints; both sessions are closed before returning. */
async function handshake(t: TestContext, server: TlsEndpoint, client: TlsEndpoint): Promise<{ server: TlsSession; client: TlsSession }> {
  const srv = net.createServer();
  t.after(() => srv.close());
  let serverSide!: Promise<TlsSession>;
  const accepted = new Promise<void>((res) => srv.once('connection', (raw) => {
    serverSide = server.accept(raw, peerOf(raw));
    res();
  }));
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const raw = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((res, rej) => { raw.once('connect', res); raw.once('error', rej); });
  const clientSide = client.connect(raw, '127.0.0.1', peerOf(raw));
  await accepted;
  const [s, c] = await Promise.all([serverSide, clientSide]);
  for (const x of [s, c]) {
    x.socket.on('error', () => {});
    x.socket.destroy();
  }
  return { server: s, client: c };
}

test('TLS material read by one side survives structuredClone and handshakes on the other (mutual auth, ca-dir with CRL, PKCS#12)', async (t) => {
  const pki = await testPki();
  quiet();
  const loc = (line: number) => ({ file: 'thread.conf', line, column: 1 });
  const cases: Array<{ name: string; server: TlsOptions; client: TlsOptions }> = [
    {
      name: 'key-file/cert-file, ca-dir() + crl-dir()',
      server: { keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, crlDir: pki.caDir },
      client: { keyFile: pki.client1Key, certFile: pki.client1Cert, caFile: pki.caFile },
    },
    {
      name: 'pkcs12-file()',
      server: { pkcs12File: join(pki.dir, 'server.p12'), caFile: pki.caFile },
      client: { keyFile: pki.client1Key, certFile: pki.client1Cert, caDir: pki.caDir },
    },
  ];
  for (const c of cases) {
    const sSnap = loadTlsBlock('server', c.server, loc(1));
    const cSnap = loadTlsBlock('client', c.client, loc(2));
    const sClone = structuredClone(sSnap);
    assert.deepStrictEqual(sClone, sSnap, `${c.name}: the snapshot is plain data`);
    if (c.server.crlDir) assert.ok((sClone.crlDir?.items.length ?? 0) > 0, 'the CRL travelled too');
    if (c.server.pkcs12File) assert.ok(sClone.pfx instanceof Uint8Array && sClone.pfx.length > 0, 'the PKCS#12 bytes travelled');
    const server = buildTlsEndpoint('server', c.server, loc(1), sClone, { handshakeTimeoutMs: 5000 });
    const client = buildTlsEndpoint('client', c.client, loc(2), structuredClone(cSnap), { handshakeTimeoutMs: 5000 });
    const r = await handshake(t, server, client);
    assert.match(r.server.peer?.subject ?? '', /CN=client1/, `${c.name}: the server verified the client certificate`);
    assert.match(r.client.peer?.subject ?? '', /CN=localhost/, `${c.name}: the client verified the server certificate`);
  }
  // a snapshot-built endpoint reads no files: reload() says where its material comes from
  const ep = buildTlsEndpoint('server', cases[0].server, loc(1), loadTlsBlock('server', cases[0].server, loc(1)));
  await assert.rejects(ep.reload(), /main thread/);
});

/** The certificate a TLS listener presents to a new connection, as its SHA-256 fingerprint. */
async function presented(port: number): Promise<string> {
  const sock = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  try {
    await new Promise<void>((res, rej) => { sock.once('secureConnect', res); sock.once('error', rej); });
    return new X509Certificate(sock.getPeerCertificate(true).raw).fingerprint256;
  } finally {
    // a clean close, so the daemon finishes its side of the handshake instead of logging a failure
    const closed = new Promise((res) => sock.once('close', res));
    sock.end();
    await closed;
  }
}

test('a running daemon: tls-material reaches new handshakes on the open listener; a bad new file keeps the old; reload is checked, then answered', async (t) => {
  const pki = await testPki();
  quiet();
  const dir = mkdtempSync(join(tmpdir(), 'lf-rotate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, 'live.key');
  const cert = join(dir, 'live.pem');
  copyFileSync(pki.serverKey, key);
  copyFileSync(pki.serverCert, cert);
  const port = await freePort();
  const text = `@version: 4.8
source s_tls { network(ip(127.0.0.1) port(${port}) transport("tls") tls(key-file("${key}") cert-file("${cert}") peer-verify(optional-untrusted))); };
destination d_out { file("${join(dir, 'out.log')}"); };
log { source(s_tls); destination(d_out); };
`;
  const file = join(dir, 'rotate.conf');
  writeFileSync(file, text);
  const daemon = new Daemon(parseConfigText(text, file), { stderr: false, verbose: false, debug: false, pidfile: undefined, stopDeadlineMs: 2000 });
  t.after(() => daemon.stop('test end'));
  await daemon.start();
  const fpOf = (p: string) => new X509Certificate(readFileSync(p)).fingerprint256;
  assert.equal(await presented(port), fpOf(pki.serverCert), 'first the configured certificate');

  // the files change on disk; the running listener notices only when the main thread sends new material
  copyFileSync(pki.client2Key, key);
  copyFileSync(pki.client2Cert, cert);
  assert.equal(await presented(port), fpOf(pki.serverCert), 'nothing changes before the material is sent');
  assert.deepEqual(await daemon.rotateTlsMaterial(), { endpoints: 1 });
  assert.equal(await presented(port), fpOf(pki.client2Cert), 'a new connection gets the new certificate');

  // a key that does not match its certificate: refused where it was read, with the option and file
  copyFileSync(pki.client1Key, key);
  await assert.rejects(daemon.rotateTlsMaterial(), (e: unknown) => e instanceof ConfigError && /key-file\(\) .*live\.key does not match cert-file\(\)/.test(e.message) && e.loc?.line === 2);
  assert.equal(await presented(port), fpOf(pki.client2Cert), 'the worker kept the material it had');

  // reload: a broken plan is refused in the main thread; the same plan again keeps every driver
  const broken = parseConfigText(text.replace(`"${key}"`, `"${pki.client1Key}"`), file);
  await assert.rejects(daemon.applySettings(broken), (e: unknown) => e instanceof ConfigError && /client1\.key does not match cert-file\(\)/.test(e.message));
  copyFileSync(pki.client2Key, key);
  const r = await daemon.applySettings(parseConfigText(text, file));
  assert.equal(r.applied, true);
  assert.deepEqual(r.changes, {
    sources: { kept: 1, restarted: 0, added: 0, removed: 0 },
    destinations: { kept: 1, restarted: 0, added: 0, removed: 0 },
    failed: [],
  });

  // counter totals are what the worker counted (one worker: its own counters, and its drivers' message counts)
  const totals = await daemon.counterTotals();
  const perDriver = (c: { name: string }) => /^(source|destination)_/.test(c.name);
  assert.deepEqual(totals.filter((c) => !perDriver(c)).map((c) => [c.name, c.value]).sort(), allCounters().map((c) => [c.name, c.value]).sort());
  assert.ok(totals.some((c) => c.name === 'source_received_messages_total'), 'per-source message counts are reported');
});

test('the in-process worker carries only what postMessage could: a function in a message fails at post()', () => {
  const w = inProcessWorker();
  const bad = { type: 'report-counters', extra: () => 1 } as unknown as MainToWorker;
  assert.throws(() => w.post(bad), (e: Error) => e.name === 'DataCloneError');
});

test('errors cross as data: a config error renders exactly as before; a worker that cannot listen fails start() with the same message, and stop() still stops it', async (t) => {
  const original = new ConfigError('unknown time zone \'Mars/Olympus\'', { file: 'z.conf', line: 3, column: 18 }, {
    sourceLine: 'source s { network(time-zone("Mars/Olympus")); };',
    includeChain: [{ file: 'main.conf', line: 7, column: 1 }],
    hint: 'use a name from the tz database',
  });
  const back = errorFromData(structuredClone(errorToData(original)));
  assert.ok(back instanceof ConfigError);
  assert.equal(formatConfigError(back), formatConfigError(original));

  quiet();
  const taken = net.createServer();
  await new Promise<void>((res) => taken.listen(0, '127.0.0.1', res));
  t.after(() => taken.close());
  const port = (taken.address() as net.AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'lf-taken-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = `@version: 4.27
source s_tcp { network(ip(127.0.0.1) port(${port}) transport("tcp")); };
destination d_out { file("${join(dir, 'out.log')}"); };
log { source(s_tcp); destination(d_out); };
`;
  const daemon = new Daemon(parseConfigText(text, join(dir, 'taken.conf')), { stderr: false, verbose: false, debug: false, pidfile: undefined, stopDeadlineMs: 1000 });
  await assert.rejects(daemon.start(), (e: Error) => !(e instanceof ConfigError) && /EADDRINUSE/.test(e.message));
  await daemon.stop('start-up failed');
  await daemon.done;
});
