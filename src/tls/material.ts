/**
 * Reads every file a tls() block names, at endpoint creation, so a bad PEM is
 * a start-up (or `logferry -s`) error that names the option, the file, what is
 * wrong and how to fix it — never a mystery at the first handshake.
 *
 * Reading happens where the files are watched (the daemon's main thread);
 * handshakes happen where the sockets are (a worker). What travels between
 * them is a MaterialSnapshot: bytes and strings only, because parsed
 * certificates (X509Certificate, KeyObject) cannot cross a thread boundary.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import { pemBlocks } from './x509/pem.ts';
import { parseCert, type ParsedCert } from './x509/cert.ts';
import { parseCrl } from './x509/crl.ts';
import { readCaDir, readCrlDir, type HashedDir } from './hashdir.ts';
import type { ParsedCrl } from './x509/crl.ts';
import type { TlsOptions } from './types.ts';
import type { VerdictLog } from './verify/verdict.ts';
import { NamedError } from '../core/named-error.ts';

export interface Material {
  /** every trust anchor: ca-file(), pkcs12 CAs, usable ca-dir() files */
  anchors: ParsedCert[];
  caDir?: HashedDir<ParsedCert>;
  /** undefined when crl-dir() is not set */
  crls?: ParsedCrl[];
  crlDir?: HashedDir<ParsedCrl>;
  /** PEM key and chain (leaf first) when a key pair is configured */
  keyPem?: string;
  certPem?: string;
  pfx?: Buffer;
  own?: ParsedCert;
  dhparamPem?: string;
  logs: VerdictLog[];
}

/** A config-time error whose message is the whole user-facing explanation. */
export class TlsConfigError extends NamedError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(message);
    this.option = option;
  }
}

export function readOptionFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'no such file; check the path (relative paths are relative to the directory logferry was started in)'
      : err.code === 'EACCES' ? 'permission denied; make it readable by the user logferry runs as'
      : err.code === 'EISDIR' ? 'is a directory, a file is expected here'
      : err.message;
    throw new TlsConfigError(option, `${option} ${path}: ${why}`);
  }
}

/** PEM text of a file, with the exact reason when it is not PEM at all. */
export function readPem(option: string, path: string, what: string): string {
  const buf = readOptionFile(option, path);
  if (buf.length === 0) throw new TlsConfigError(option, `${option} ${path}: the file is empty; it should hold a PEM ${what}`);
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  const text = buf.toString('latin1');
  if (!text.includes('-----BEGIN ')) {
    if (buf[0] === 0x30) {
      throw new TlsConfigError(option, `${option} ${path}: the file is DER (binary), not PEM; convert it with: openssl x509 -inform der -in ${path} -out ${path}.pem (openssl pkey for keys)`);
    }
    throw new TlsConfigError(option, `${option} ${path}: PEM has no start line — Windows line endings or a BOM? convert with dos2unix (a PEM file holds '-----BEGIN …-----' lines)`);
  }
  if (bom && text.indexOf('-----BEGIN ') === 3 && !/\n-----BEGIN /.test(text)) {
    // OpenSSL does not see a BEGIN line that follows a byte-order mark
    throw new TlsConfigError(option, `${option} ${path}: PEM has no start line — the file starts with a UTF-8 byte-order mark (BOM); remove it, e.g. with dos2unix`);
  }
  return text.replace(/\r\n/g, '\n');
}

function certsOf(option: string, path: string, text: string): ParsedCert[] {
  const out: ParsedCert[] = [];
  const blocks = pemBlocks(text).filter((b) => /^(X509 |TRUSTED )?CERTIFICATE$/.test(b.label));
  if (blocks.length === 0) throw new TlsConfigError(option, `${option} ${path}: no '-----BEGIN CERTIFICATE-----' block found; the file must hold PEM certificates`);
  blocks.forEach((b, i) => {
    try {
      out.push(parseCert(b.der));
    } catch (e) {
      throw new TlsConfigError(option, `${option} ${path}: certificate #${i + 1} cannot be parsed (${(e as Error).message}); the PEM block is damaged — re-export it`);
    }
  });
  return out;
}

function loadKey(path: string): { pem: string; key: KeyObject } {
  const text = readPem('key-file()', path, 'private key');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new TlsConfigError('key-file()', `key-file() ${path}: the private key is passphrase-protected, which logferry does not support; decrypt it with: openssl pkey -in ${path} -out <new.key> and protect it with file permissions (0600)`);
  }
  const block = pemBlocks(text).find((b) => / PRIVATE KEY$|^PRIVATE KEY$/.test(b.label));
  if (!block) throw new TlsConfigError('key-file()', `key-file() ${path}: no '-----BEGIN … PRIVATE KEY-----' block found; is this a certificate instead of its key?`);
  try {
    return { pem: text, key: createPrivateKey(text) };
  } catch (e) {
    throw new TlsConfigError('key-file()', `key-file() ${path}: the private key cannot be read (${(e as Error).message}); re-export it as PEM (openssl pkey -in … -out …)`);
  }
}

/** CA certificates inside a PKCS#12 bundle, via the openssl command (Node cannot list them). */
function pkcs12Certs(path: string, which: '-cacerts' | '-clcerts'): ParsedCert[] {
  const run = (legacy: boolean) =>
    execFileSync('openssl', ['pkcs12', '-in', path, '-passin', 'pass:', '-nokeys', which, ...(legacy ? ['-legacy'] : [])], {
      encoding: 'latin1',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
  let out: string;
  try {
    out = run(false);
  } catch {
    try {
      out = run(true);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') {
        throw new TlsConfigError('pkcs12-file()', `pkcs12-file() ${path}: reading the CA certificates of a PKCS#12 bundle needs the openssl command, which is not installed; install openssl or use key-file()/cert-file()/ca-file() instead`);
      }
      throw new TlsConfigError('pkcs12-file()', `pkcs12-file() ${path}: cannot be read with an empty passphrase (${String(err.stderr ?? err.message).trim().split('\n')[0]}); re-export it without a passphrase: openssl pkcs12 -export -passout pass: …`);
    }
  }
  return pemBlocks(out).filter((b) => b.label === 'CERTIFICATE').map((b) => parseCert(b.der));
}

function loadDhparam(path: string): string {
  const text = readPem('dhparam-file()', path, 'DH parameter block');
  const b = pemBlocks(text).find((x) => x.label === 'DH PARAMETERS' || x.label === 'X9.42 DH PARAMETERS');
  let ok = false;
  if (b) {
    try {
      // DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER, … }
      const seq = asn1js.fromBER(b.der).result;
      const items = seq instanceof asn1js.Sequence ? seq.valueBlock.value : [];
      const p = items[0] instanceof asn1js.Integer ? items[0].valueBlock.valueHexView : undefined;
      ok = items.length >= 2 && p !== undefined && p.length * 8 >= 1024;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new TlsConfigError('dhparam-file()', `Error setting up TLS session context, invalid DH parameters; dhparam_file='${path}' (expected a '-----BEGIN DH PARAMETERS-----' block of at least 1024 bits; create one with: openssl dhparam -out ${path} 2048)`);
  return text;
}

export function loadMaterial(role: 'server' | 'client', opts: TlsOptions, location: string | undefined): Material {
  const m: Material = { anchors: [], logs: [] };
  const loc = location;

  if (opts.pkcs12File) {
    if (opts.keyFile || opts.certFile) {
      m.logs.push({ level: 'warning', text: 'WARNING: pkcs12-file() is specified, key-file() and cert-file() will be omitted', tags: { location: loc } });
    }
    m.pfx = readOptionFile('pkcs12-file()', opts.pkcs12File);
    const own = pkcs12Certs(opts.pkcs12File, '-clcerts');
    m.own = own[0];
    for (const ca of pkcs12Certs(opts.pkcs12File, '-cacerts')) m.anchors.push(ca);
  } else if (opts.keyFile && opts.certFile) {
    const { pem: keyPem, key } = loadKey(opts.keyFile);
    const certPem = readPem('cert-file()', opts.certFile, 'certificate');
    const chain = certsOf('cert-file()', opts.certFile, certPem);
    if (!chain[0].x509.checkPrivateKey(key)) {
      throw new TlsConfigError('key-file()', `key-file() ${opts.keyFile} does not match cert-file() ${opts.certFile}: the key belongs to another certificate (the first certificate in cert-file() must be the one issued for this key); compare 'openssl pkey -in ${opts.keyFile} -pubout' with 'openssl x509 -in ${opts.certFile} -noout -pubkey'`);
    }
    m.keyPem = keyPem;
    m.certPem = certPem;
    m.own = chain[0];
  } else if (opts.keyFile || opts.certFile) {
    m.logs.push({
      level: 'warning',
      text: `${opts.keyFile ? 'key-file()' : 'cert-file()'} is set without ${opts.keyFile ? 'cert-file()' : 'key-file()'}; no certificate will be presented`,
      tags: { location: loc },
    });
  }
  if (role === 'server' && !m.own) {
    m.logs.push({
      level: 'warning',
      text: 'You have a TLS enabled source without a X.509 keypair. Make sure you have tls(key-file() and cert-file()) options, TLS handshake to this source will fail',
      tags: { location: loc },
    });
  }

  if (opts.caDir) {
    const dir = readCaDir(opts.caDir);
    m.caDir = dir;
    m.anchors.push(...dir.items);
    for (const ig of dir.ignored) {
      m.logs.push({ level: 'warning', text: 'File in ca-dir() is not used', tags: { ca_dir: opts.caDir, file: ig.file, why: ig.why, location: loc } });
    }
  }
  if (opts.caFile) {
    m.anchors.push(...certsOf('ca-file()', opts.caFile, readPem('ca-file()', opts.caFile, 'CA certificate bundle')));
  }
  if (opts.crlDir) {
    const dir = readCrlDir(opts.crlDir);
    m.crlDir = dir;
    m.crls = dir.items;
    for (const ig of dir.ignored) {
      m.logs.push({ level: 'warning', text: 'File in crl-dir() is not used', tags: { crl_dir: opts.crlDir, file: ig.file, why: ig.why, location: loc } });
    }
  }
  if (opts.dhparamFile) m.dhparamPem = loadDhparam(opts.dhparamFile);

  // one anchor per distinct certificate (ca-dir and ca-file often overlap)
  const seen = new Set<string>();
  m.anchors = m.anchors.filter((a) => {
    const k = a.der.toString('base64');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return m;
}

/**
 * Material as plain data (structured-clone-able): what a worker needs to build
 * its SecureContext and to explain a refusal, without touching the files.
 */
export interface MaterialSnapshot {
  /** DER of every distinct trust anchor, in the order loadMaterial found them */
  anchors: Uint8Array[];
  caDir?: HashedDir<Uint8Array>;
  crlDir?: HashedDir<{ path: string; der: Uint8Array }>;
  keyPem?: string;
  certPem?: string;
  pfx?: Uint8Array;
  /** DER of the certificate this side presents */
  own?: Uint8Array;
  dhparamPem?: string;
}

/** The file-read, already-checked material of a tls() block as plain data; its `logs` stay with the reader. */
export function snapshotOf(m: Material): MaterialSnapshot {
  const s: MaterialSnapshot = { anchors: m.anchors.map((a) => bytes(a.der)) };
  if (m.caDir) s.caDir = { ...m.caDir, items: m.caDir.items.map((c) => bytes(c.der)) };
  if (m.crlDir) s.crlDir = { ...m.crlDir, items: m.crlDir.items.map((c) => ({ path: c.file, der: bytes(c.der) })) };
  if (m.keyPem !== undefined) s.keyPem = m.keyPem;
  if (m.certPem !== undefined) s.certPem = m.certPem;
  if (m.pfx) s.pfx = bytes(m.pfx);
  if (m.own) s.own = bytes(m.own.der);
  if (m.dhparamPem !== undefined) s.dhparamPem = m.dhparamPem;
  return s;
}

/** Parses a snapshot back into Material (in the thread that handshakes); no file is read, nothing is logged. */
export function materialFrom(s: MaterialSnapshot): Material {
  // ca-dir() certificates are also anchors: parse each distinct DER once
  const parsed = new Map<string, ParsedCert>();
  const cert = (der: Uint8Array): ParsedCert => {
    const k = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    let c = parsed.get(k);
    if (!c) parsed.set(k, (c = parseCert(der)));
    return c;
  };
  const m: Material = { anchors: s.anchors.map(cert), logs: [] };
  if (s.caDir) m.caDir = { ...s.caDir, items: s.caDir.items.map(cert) };
  if (s.crlDir) {
    m.crlDir = { ...s.crlDir, items: s.crlDir.items.map((c) => parseCrl(c.der, c.path)) };
    m.crls = m.crlDir.items;
  }
  if (s.keyPem !== undefined) m.keyPem = s.keyPem;
  if (s.certPem !== undefined) m.certPem = s.certPem;
  if (s.pfx) m.pfx = Buffer.from(s.pfx);
  if (s.own) m.own = cert(s.own);
  if (s.dhparamPem !== undefined) m.dhparamPem = s.dhparamPem;
  return m;
}

/** a copy that owns its bytes: a Buffer may be a view into Node's shared pool, which would be cloned whole */
function bytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
