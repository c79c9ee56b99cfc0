/**
 * The check new files of a tls() block must pass before a running daemon
 * uses them (certificate rotation): everything a start checks (every file
 * parses, the key matches the certificate, CA and CRL files load, OpenSSL
 * accepts the context), and, because a rotation must never make things worse,
 * the certificate this side presents is valid now: an expired or not yet
 * valid replacement is refused, where a start would only let peers refuse it.
 */
import { internalLog } from '../core/internal-log.ts';
import { formatLocation, type SourceLocation } from '../core/location.ts';
import type { VerdictLog } from './verify/index.ts';
import { loadTlsBlock } from './endpoint.ts';
import { TlsConfigError, type MaterialSnapshot } from './material.ts';
import type { TlsOptions } from './types.ts';
import { parseCert, type ParsedCert } from './x509/cert.ts';

export interface Replacement {
  snapshot: MaterialSnapshot;
  /** the certificate this side presents, when it has one */
  own: ParsedCert | undefined;
  /** what differs from the material in use: 'certificate', 'ca', 'crl', 'dhparam' */
  changed: string[];
}

const utc = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** Reads and checks the block's files again; throws TlsConfigError (the whole reason and its fix). */
export function loadReplacement(role: 'server' | 'client', opts: TlsOptions, location: SourceLocation | undefined, previous: MaterialSnapshot, now = new Date()): Replacement {
  const logs: VerdictLog[] = [];
  const snapshot = loadTlsBlock(role, opts, location, { rereading: true, logs });
  const own = snapshot.own ? parseCert(snapshot.own) : undefined;
  if (own) {
    const option = opts.pkcs12File ? 'pkcs12-file()' : 'cert-file()';
    const file = opts.pkcs12File ?? opts.certFile ?? '';
    if (own.notAfter < now) {
      throw new TlsConfigError(option, `${option} ${file}: the new certificate (serial ${own.serial}) expired on ${utc(own.notAfter)}; put a current certificate and its key in place`);
    }
    if (own.notBefore > now) {
      throw new TlsConfigError(option, `${option} ${file}: the new certificate (serial ${own.serial}) is not valid before ${utc(own.notBefore)}; check this host's clock, or put it in place once it is valid`);
    }
  }
  const changed = differences(previous, snapshot);
  // the notes are about ca-dir() and crl-dir() files: said at start, and again only when those changed
  if (changed.includes('ca') || changed.includes('crl')) for (const l of logs) internalLog(l.level, l.text, l.tags);
  return { snapshot, own, changed };
}

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function sameList(a: readonly Uint8Array[] = [], b: readonly Uint8Array[] = []): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]));
}

function differences(a: MaterialSnapshot, b: MaterialSnapshot): string[] {
  const out: string[] = [];
  if (!same(a.own, b.own) || a.keyPem !== b.keyPem || a.certPem !== b.certPem || !same(a.pfx, b.pfx)) out.push('certificate');
  if (!sameList(a.anchors, b.anchors)) out.push('ca');
  if (!sameList(a.crlDir?.items.map((c) => c.der), b.crlDir?.items.map((c) => c.der))) out.push('crl');
  if (a.dhparamPem !== b.dhparamPem) out.push('dhparam');
  return out;
}

/** file:line:col of a block, for the rotation lines */
export function blockLocation(location: SourceLocation | undefined): string | undefined {
  return location ? formatLocation(location) : undefined;
}

/**
 * When the block's own files (certificate, key, DH parameters) are refused, its
 * CA and CRL files may still have changed, and a revocation must not wait for a
 * broken certificate to be fixed: this reads only the trust files, keeping the
 * last good key pair. Undefined when they did not change; throws TlsConfigError
 * when they do not load either. Not for pkcs12-file(), whose CAs travel with the key.
 */
export function loadTrustReplacement(role: 'server' | 'client', opts: TlsOptions, location: SourceLocation | undefined, previous: MaterialSnapshot): Replacement | undefined {
  if (opts.pkcs12File || (!opts.caFile && !opts.caDir && !opts.crlDir)) return undefined;
  const trustOnly: TlsOptions = { ...opts, certFile: undefined, keyFile: undefined, dhparamFile: undefined };
  // the notes would be about the missing key pair, which is not missing: not said
  const s = loadTlsBlock(role, trustOnly, location, { rereading: true, logs: [] });
  const snapshot: MaterialSnapshot = { ...s, keyPem: previous.keyPem, certPem: previous.certPem, own: previous.own, dhparamPem: previous.dhparamPem };
  const changed = differences(previous, snapshot);
  if (changed.length === 0) return undefined;
  return { snapshot, own: previous.own ? parseCert(previous.own) : undefined, changed };
}
