/**
 * A throw-away development PKI for `logferry quickstart` and tests, made with
 * the same engine as `logferry cert`: a CA, a server certificate for
 * localhost/127.0.0.1/::1, a client certificate and the hashed ca.d/.
 * Files already there are kept, so a second run reuses the first one's PKI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { caPaths, initCa, issue } from './store.ts';
import type { SanEntry } from './san.ts';

export interface DevPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  caDir: string;
}

export interface DevPkiOptions {
  /** extra subjectAltName entries for the server, e.g. [{ type: 'dns', value: 'logsrv.test' }] */
  serverSan?: SanEntry[];
  clientCn?: string;
  days?: number;
}

export async function makeDevPki(dir: string, opts: DevPkiOptions = {}): Promise<DevPki> {
  const ca = caPaths(dir);
  const p: DevPki = {
    caCert: ca.cert,
    caKey: ca.key,
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    caDir: ca.hashed,
  };
  if (!existsSync(p.caCert)) initCa(dir, { cn: 'logferry dev CA' });
  if (!existsSync(p.serverCert)) {
    const san: SanEntry[] = [{ type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' }, ...(opts.serverSan ?? [])];
    issue(dir, 'server', { cn: 'localhost', name: 'server', san, days: opts.days });
  }
  if (!existsSync(p.clientCert)) issue(dir, 'client', { cn: opts.clientCn ?? 'logferry-client', name: 'client', days: opts.days });
  return p;
}
