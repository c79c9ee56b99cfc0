/** Handshakes against the real OpenSSL command-line peers (s_server / s_client). */
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { createTlsEndpoint } from '../../src/tls/endpoint.ts';
import type { TlsOptions, TlsReason } from '../../src/tls/types.ts';
import { TlsFailure } from '../../src/tls/types.ts';
import { captureLogs, pki } from './helpers.ts';

let P = '';
before(() => {
  P = pki();
  captureLogs();
});

function stop(t: TestContext, child: ChildProcess): void {
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  });
}

/** Starts `openssl s_server` on an ephemeral loopback port and resolves with the port. */
async function sServer(t: TestContext, args: string[]): Promise<{ port: number; out: () => string }> {
  const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-naccept', '1', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  stop(t, child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 5000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ACCEPT .*:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', () => reject(new Error(`s_server exited: ${out}`)));
  });
  return { port, out: () => out };
}

async function clientTo(port: number, opts: TlsOptions, host: string) {
  const ep = createTlsEndpoint('client', opts, undefined, { handshakeTimeoutMs: 5000 });
  const raw = net.connect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => { raw.once('connect', res); raw.once('error', rej); });
  try {
    const s = await ep.connect(raw, host, { address: '127.0.0.1', port, family: 'IPv4' });
    s.socket.on('error', () => {}); // s_server may reset after our close
    s.socket.end();
    return { ok: true as const, session: s };
  } catch (e) {
    assert.ok(e instanceof TlsFailure, String(e));
    return { ok: false as const, failure: e as TlsFailure };
  }
}

/** Our source endpoint on an ephemeral port, one connection from `openssl s_client`. */
async function sClientTo(t: TestContext, opts: TlsOptions, args: string[]) {
  const ep = createTlsEndpoint('server', opts, { file: 'peer.conf', line: 3, column: 5 }, { handshakeTimeoutMs: 5000 });
  const server = net.createServer();
  t.after(() => server.close());
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<Awaited<ReturnType<typeof ep.accept>> | TlsFailure>((resolve) => {
    server.once('connection', (raw) => {
      ep.accept(raw, { address: raw.remoteAddress!, port: raw.remotePort!, family: 'IPv4' }).then(resolve, resolve);
    });
  });
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', `${P}/ca.pem`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  stop(t, child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const result = await accepted;
  if (!(result instanceof TlsFailure)) {
    result.socket.on('error', () => {});
    result.socket.write('hello\n');
    result.socket.end();
  }
  // let s_client read what follows the handshake (alert or data), then stop it
  await new Promise<void>((res) => {
    const timer = setTimeout(res, 2000);
    child.once('exit', () => { clearTimeout(timer); res(); });
    child.stdin!.end();
  });
  return { result, out: () => out };
}

const expectFailure = (r: { ok: boolean; failure?: TlsFailure }, reason: TlsReason) => {
  assert.equal(r.ok, false, 'expected a failure');
  assert.equal(r.failure?.reason, reason, r.failure?.message);
};

test('destination against openssl s_server: valid, untrusted CA, wrong name', async (t) => {
  const good = await sServer(t, ['-cert', `${P}/server.pem`, '-key', `${P}/server.key`]);
  const r = await clientTo(good.port, { caDir: `${P}/ca.d` }, '127.0.0.1');
  assert.ok(r.ok, r.ok ? '' : r.failure.message);
  assert.equal(r.ok && r.session.peer?.cn, 'localhost');

  const ca2 = await sServer(t, ['-cert', `${P}/server-ca2.pem`, '-key', `${P}/server-ca2.key`]);
  expectFailure(await clientTo(ca2.port, { caDir: `${P}/ca.d` }, '127.0.0.1'), 'unknown_ca');

  const wrong = await sServer(t, ['-cert', `${P}/server-wrongname.pem`, '-key', `${P}/server-wrongname.key`]);
  expectFailure(await clientTo(wrong.port, { caDir: `${P}/ca.d` }, 'localhost'), 'hostname_mismatch');
});

test('destination with a client certificate against s_server -Verify', async (t) => {
  const s = await sServer(t, ['-cert', `${P}/server.pem`, '-key', `${P}/server.key`, '-Verify', '2', '-CAfile', `${P}/ca.pem`, '-verify_return_error']);
  const r = await clientTo(s.port, { caDir: `${P}/ca.d`, keyFile: `${P}/client1.key`, certFile: `${P}/client1.pem` }, 'localhost');
  assert.ok(r.ok, r.ok ? '' : r.failure.message);
});

test('source against openssl s_client: mutual auth and refusals', async (t) => {
  const src: TlsOptions = { keyFile: `${P}/server.key`, certFile: `${P}/server.pem`, caDir: `${P}/ca.d`, crlDir: `${P}/ca.d` };
  const ok = await sClientTo(t, src, ['-cert', `${P}/client1.pem`, '-key', `${P}/client1.key`]);
  assert.ok(!(ok.result instanceof TlsFailure), ok.result instanceof TlsFailure ? ok.result.message : '');
  if (!(ok.result instanceof TlsFailure)) assert.equal(ok.result.peer?.cn, 'client1');
  assert.match(ok.out(), /Verify return code: 0 \(ok\)/);
  // the CertificateRequest advertises exactly the loaded CAs
  assert.match(ok.out(), /Acceptable client certificate CA names\n(?:.*\n)*?.*Test Root CA/);
  assert.doesNotMatch(ok.out(), /Other Root CA/);

  const none = await sClientTo(t, src, []);
  assert.ok(none.result instanceof TlsFailure && none.result.reason === 'no_peer_certificate');
  assert.match(none.out(), /alert certificate required|alert number 116/);

  for (const [name, reason] of [['rogue', 'unknown_ca'], ['expired', 'expired'], ['revoked', 'revoked']] as const) {
    const r = await sClientTo(t, src, ['-cert', `${P}/${name}.pem`, '-key', `${P}/${name}.key`]);
    assert.ok(r.result instanceof TlsFailure, `${name} must be refused`);
    assert.equal((r.result as TlsFailure).reason, reason);
    assert.deepEqual((r.result as TlsFailure).location, { file: 'peer.conf', line: 3, column: 5 });
  }

  const optional = await sClientTo(t, { ...src, peerVerify: 'optional-untrusted' }, []);
  assert.ok(!(optional.result instanceof TlsFailure));
  assert.match(optional.out(), /No client certificate CA names sent/, 'optional-untrusted sends no CertificateRequest');
});
