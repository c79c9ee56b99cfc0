/**
 * Peers that connect and reset at once must not take the daemon down. With use-dns(yes) the source
 * looks up the sender's name; a peer already gone has no address, and getnameinfo on '' throws
 * synchronously (found while benchmarking handshakes: the daemon died on the first such connection).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { join } from 'node:path';
import { reverseLookup, type DnsCacheSettings } from '../../src/sources/dns-cache.ts';
import { startLogferry, skipUnlessLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { waitForLines } from '../helpers/peers.ts';

const CACHE: DnsCacheSettings = { enabled: true, hosts: new Map(), size: 16, expireMs: 60_000, expireFailedMs: 1000 };

test('reverse lookup of an address that is not an IP answers "unknown" instead of throwing', async () => {
  assert.equal(await reverseLookup('', CACHE), undefined);
  assert.equal(await reverseLookup('not-an-address', CACHE), undefined);
  assert.equal(await reverseLookup('', { ...CACHE, enabled: false }), undefined);
});

function connectAndReset(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => s.resetAndDestroy());
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

test('a burst of connect-and-reset peers leaves a use-dns(yes) source serving', { skip: skipUnlessLogferry(), timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const d = await startLogferry({
    config: (dir) => `@version: 4.27
options { use-dns(yes); keep-hostname(no); };
source s_net { network(ip(127.0.0.1) port(${port}) transport(tcp) max-connections(500)); };
destination d_out { file("${join(dir, 'out.log')}" template("$MSG\\n")); };
log { source(s_net); destination(d_out); };
`,
    readyPorts: [port],
  });
  t.after(() => d.stop());
  for (let round = 0; round < 10; round++) {
    await Promise.all(Array.from({ length: 30 }, () => connectAndReset(port)));
  }
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.end('<13>Nov 26 10:00:00 h app: still here\n');
  const lines = await waitForLines(join(d.workdir, 'out.log'), 1, 15_000);
  assert.deepEqual(lines, ['still here']);
  assert.ok(d.process.running, `daemon exited:\n${d.stderr()}`);
});
