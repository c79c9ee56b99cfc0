/**
 * The ClientHello reader on real hellos (Node and `openssl s_client`), on every
 * prefix of them (a first TCP chunk may be short), and on mutated copies: it
 * never throws and its work is bounded by the input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { looksLikeClientHello, offeredText, parseClientHello, versionName } from '../../src/tls/client-hello.ts';
import { skipUnlessPeers } from '../helpers/peers.ts';

/** Every byte a client sends before the server answers (the server never does). */
async function capture(connect: (port: number) => () => void): Promise<Buffer> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const got = once(server, 'connection').then(async ([sock]) => {
    const s = sock as net.Socket;
    const chunks: Buffer[] = [];
    // a ClientHello is one flight; it is complete when its record lengths add up
    for await (const c of s) {
      chunks.push(c as Buffer);
      const b = Buffer.concat(chunks);
      if (b.length >= 5 && b.length >= 5 + b.readUInt16BE(3)) {
        s.destroy();
        return b;
      }
    }
    return Buffer.concat(chunks);
  });
  const stop = connect((server.address() as net.AddressInfo).port);
  const hello = await got;
  stop();
  server.close();
  return hello;
}

function nodeHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  return capture((port) => {
    const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    c.on('error', () => {});
    return () => c.destroy();
  });
}

test('Node 1.2–1.3 hello: supported_versions lists TLS 1.3 and 1.2', async () => {
  const h = await nodeHello({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  assert.ok(looksLikeClientHello(h));
  const info = parseClientHello(h)!;
  assert.equal(info.legacyVersion, 0x0303);
  assert.deepEqual(info.versions, [0x0304, 0x0303]);
  assert.equal(info.fromExtension, true);
  assert.equal(info.complete, true);
  assert.equal(offeredText(info), 'TLS 1.3, TLS 1.2');
});

test('ALPN offers are read (the listener selects logferry-ack/1 only when offered); none without the extension', async () => {
  const hello = await nodeHello({ ALPNProtocols: ['logferry-ack/1', 'h2'] });
  const offered = parseClientHello(hello)!;
  assert.deepEqual(offered.alpn, ['logferry-ack/1', 'h2']);
  // Node 24's hello (post-quantum key share) is ~1.6 KB: on a 1500-byte MTU the listener's first chunk
  // is one segment; ALPN comes before the key share, so the first segment carries it
  assert.ok(hello.length > 1400, `hello of ${hello.length} bytes`);
  assert.deepEqual(parseClientHello(hello.subarray(0, 1400))!.alpn, ['logferry-ack/1', 'h2']);
  assert.deepEqual(offered.versions, [0x0304, 0x0303], 'the versions are still read when ALPN comes first');
  assert.equal(parseClientHello(await nodeHello({}))!.alpn, undefined);
});

test('Node TLS 1.0–1.1 hello: no extension, legacy_version is the highest', async () => {
  const h = await nodeHello({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  const info = parseClientHello(h)!;
  assert.equal(info.legacyVersion, 0x0302);
  assert.deepEqual(info.versions, [0x0302]);
  assert.equal(info.fromExtension, false);
  assert.equal(offeredText(info), 'TLS 1.1 (its highest)');
});

test('openssl s_client -tls1_3 hello (large key shares) reads TLS 1.3 only', { skip: skipUnlessPeers('openssl') }, async () => {
  const h = await capture((port) => {
    const c = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3'], { stdio: ['pipe', 'ignore', 'ignore'] });
    return () => {
      if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
    };
  });
  const info = parseClientHello(h)!;
  assert.deepEqual(info.versions.map(versionName), ['TLS 1.3']);
  assert.equal(info.complete, true);
});

test('every prefix: never throws, never claims more than it saw; a hello split over records is joined', async () => {
  const h = await nodeHello({ minVersion: 'TLSv1.2' });
  for (let n = 0; n <= h.length; n++) {
    const p = h.subarray(0, n);
    const info = parseClientHello(p);
    if (n >= 3) assert.ok(looksLikeClientHello(p), `prefix ${n}`);
    if (info && n < h.length) assert.equal(info.complete, false, `prefix ${n}`);
    if (info?.fromExtension) assert.deepEqual(info.versions, [0x0304, 0x0303]);
  }
  // the same handshake message in two records
  const hs = h.subarray(5);
  const cut = 40;
  const rec = (b: Buffer) => Buffer.concat([Buffer.of(0x16, 3, 1, b.length >> 8, b.length & 0xff), b]);
  const split = Buffer.concat([rec(hs.subarray(0, cut)), rec(hs.subarray(cut))]);
  assert.deepEqual(parseClientHello(split)?.versions, [0x0304, 0x0303]);
});

test('mutated hellos and random bytes: no exception, bounded time, plain syslog is never a hello', async () => {
  const h = await nodeHello({ minVersion: 'TLSv1.2' });
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const started = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++) {
    const m = Buffer.from(h);
    const edits = 1 + rnd(8);
    for (let e = 0; e < edits; e++) {
      const at = rnd(m.length);
      // lengths are where parsers break: hit them with 0x00 and 0xff as often as with noise
      m[at] = [0x00, 0xff, rnd(256)][rnd(3)];
    }
    const input = rnd(10) === 0 ? m.subarray(0, rnd(m.length)) : rnd(10) === 0 ? Buffer.concat([m, m]) : m;
    const t0 = process.hrtime.bigint();
    const info = parseClientHello(input);
    assert.ok(process.hrtime.bigint() - t0 < 50_000_000n, `input ${i} took too long`);
    if (info) assert.ok(info.versions.length >= 1 && info.versions.length <= 127);
  }
  for (let i = 0; i < 5000; i++) {
    const r = Buffer.alloc(rnd(600));
    for (let j = 0; j < r.length; j++) r[j] = rnd(256);
    if (rnd(2)) r[0] = 0x16;
    parseClientHello(r);
  }
  assert.ok(process.hrtime.bigint() - started < 30_000_000_000n);
  for (const line of ['<13>Nov 26 07:00:00 h app: x\n', '123 <13>1 - - - - - - x', '\u0016', '']) {
    assert.equal(parseClientHello(Buffer.from(line)), undefined, JSON.stringify(line));
  }
  assert.equal(looksLikeClientHello(Buffer.from('<13>')), false);
  assert.equal(looksLikeClientHello(Buffer.of(0x16, 3, 1, 0, 0, 1)), false, 'a zero-length record is no hello');
});
