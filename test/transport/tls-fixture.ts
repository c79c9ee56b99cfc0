/**
 * Test-only TLS for the transport tests: a throwaway PKI made with the openssl
 * CLI in a temp dir, and a minimal TlsEndpoint on node:tls, so the transport
 * layer is tested without depending on src/tls/ being finished. It records how
 * many handshakes it started, which lets tests prove one never happened.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { TlsFailure, type PeerAddress, type TlsEndpoint, type TlsSession } from '../../src/tls/types.ts';

export interface TestPki {
  dir: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  cleanup(): void;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'lf-transport-pki-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  run('req', '-new', '-x509', '-key', 'ca.key', '-subj', '/CN=transport-test-ca', '-days', '2', '-out', 'ca.pem');
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key');
  run('req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.pem');
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.pem')),
    cert: readFileSync(join(dir, 'server.pem')),
    key: readFileSync(join(dir, 'server.key')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CountingEndpoint extends TlsEndpoint {
  handshakesStarted: number;
}

function session(socket: tls.TLSSocket): TlsSession {
  return { socket, protocol: socket.getProtocol() ?? '', cipher: socket.getCipher()?.name ?? '' };
}

function failure(err: Error, peer: PeerAddress): TlsFailure {
  return new TlsFailure('handshake_failed', `TLS handshake failed: ${err.message}`, 'test endpoint', { peer, cause: err });
}

export function serverEndpoint(pki: TestPki): CountingEndpoint {
  const ctx = tls.createSecureContext({ cert: pki.cert, key: pki.key, ca: pki.ca });
  const ep: CountingEndpoint = {
    role: 'server',
    location: undefined,
    handshakesStarted: 0,
    accept(raw: net.Socket, peer: PeerAddress): Promise<TlsSession> {
      ep.handshakesStarted++;
      return new Promise((resolve, reject) => {
        const s = new tls.TLSSocket(raw, { isServer: true, secureContext: ctx });
        const onErr = (err: Error): void => {
          s.destroy();
          reject(failure(err, peer));
        };
        s.once('error', onErr);
        s.once('close', () => onErr(new Error('closed during handshake')));
        s.once('secure', () => {
          s.off('error', onErr);
          s.removeAllListeners('close');
          resolve(session(s));
        });
      });
    },
    connect(): Promise<TlsSession> {
      return Promise.reject(new Error('server endpoint'));
    },
    reload: () => Promise.resolve(),
  };
  return ep;
}

export function clientEndpoint(pki: TestPki, opts: { rejectUnauthorized?: boolean } = {}): CountingEndpoint {
  const ctx = tls.createSecureContext({ ca: pki.ca });
  const ep: CountingEndpoint = {
    role: 'client',
    location: undefined,
    handshakesStarted: 0,
    accept(): Promise<TlsSession> {
      return Promise.reject(new Error('client endpoint'));
    },
    connect(raw: net.Socket, host: string, peer: PeerAddress): Promise<TlsSession> {
      ep.handshakesStarted++;
      return new Promise((resolve, reject) => {
        const s = tls.connect({ socket: raw, secureContext: ctx, servername: host === '127.0.0.1' ? undefined : host, host, rejectUnauthorized: opts.rejectUnauthorized ?? true });
        const onErr = (err: Error): void => {
          s.destroy();
          reject(failure(err, peer));
        };
        s.once('error', onErr);
        s.once('secureConnect', () => {
          s.off('error', onErr);
          resolve(session(s));
        });
      });
    },
    reload: () => Promise.resolve(),
  };
  return ep;
}

/** A TLS client for the listener tests. */
export function tlsClient(pki: TestPki, port: number, host = '127.0.0.1'): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, ca: pki.ca, servername: 'localhost' });
    s.once('secureConnect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
