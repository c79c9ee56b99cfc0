/**
 * A CA directory on disk, the layout `logferry cert` reads and writes:
 *
 *   DIR/ca.pem, DIR/ca.key            the root CA
 *   DIR/NAME.pem, DIR/NAME.key        issued certificates (NAME.pem holds the chain above a
 *                                     leaf signed by an intermediate)
 *   DIR/crl.pem, DIR/NAME.crl.pem     CRLs of the root and of intermediate NAME
 *   DIR/ca.d/                         what ca-dir() and crl-dir() read: copies of ca.pem,
 *                                     the intermediates and the CRLs, hashed like openssl rehash
 *
 * ca.d holds copies, not links out of itself, so it can be copied to another
 * host as it is.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildCert, type CertKind } from './build-cert.ts';
import { buildCrl, crlState, isListed, type CrlState } from './build-crl.ts';
import { writePublic } from './files.ts';
import { generateKey, readKey, writeKey, type KeyKind } from './keys.ts';
import { rehash } from './rehash.ts';
import { serverSan, type SanEntry } from './san.ts';
import { parseCert } from '../tls/x509/cert.ts';
import { pemBlocks, toPem } from '../tls/x509/pem.ts';

export const DAY_MS = 86_400_000;
/** backdating covers clocks a few minutes behind the CA's */
const BACKDATE_MS = 5 * 60_000;

export const DEFAULT_DAYS: Record<CertKind, number> = { ca: 3650, intermediate: 1825, server: 825, client: 825 };
export const DEFAULT_CRL_DAYS = 30;

export interface CaPaths {
  dir: string;
  cert: string;
  key: string;
  crl: string;
  hashed: string;
}

export function caPaths(dir: string): CaPaths {
  return { dir, cert: join(dir, 'ca.pem'), key: join(dir, 'ca.key'), crl: join(dir, 'crl.pem'), hashed: join(dir, 'ca.d') };
}

/** A certificate name usable as a file name in DIR and not one of the CA's own files. */
export function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(name) || name.length > 200) {
    throw new NameError(`'${name}' cannot be used as a file name; use letters, digits, '.', '-', '_' or '@' (e.g. --cn logs.example.com)`);
  }
  if (name === 'ca' || name === 'crl') throw new NameError(`'${name}' is the name of the CA's own files; pick another --cn`);
}

export class NameError extends Error {}

function readPemCerts(path: string): X509Certificate[] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new Error(`${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`);
  }
  const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE').map((b) => new X509Certificate(b.der));
  if (certs.length === 0) throw new Error(`${path} holds no PEM certificate; give a certificate file`);
  return certs;
}

export interface Issuer {
  /** file stem in DIR: 'ca' for the root, NAME for an intermediate */
  name: string;
  cert: X509Certificate;
  key: KeyObject;
  /** certificates a leaf it signs should send after itself (the intermediate; not the root) */
  chain: X509Certificate[];
}

export function loadIssuer(dir: string, name = 'ca'): Issuer {
  const certPath = join(dir, name + '.pem');
  if (!existsSync(certPath)) {
    throw new Error(name === 'ca'
      ? `${dir} holds no CA (ca.pem is missing); make one with 'logferry cert init-ca ${dir}'`
      : `${certPath} does not exist; make the intermediate with 'logferry cert issue intermediate ${dir} --cn ${name}'`);
  }
  const certs = readPemCerts(certPath);
  const cert = certs[0];
  if (!cert.ca) throw new Error(`${certPath} is not a CA certificate; give the name of an intermediate made with 'logferry cert issue intermediate'`);
  const key = readKey(join(dir, name + '.key'));
  if (!cert.checkPrivateKey(key)) throw new Error(`${join(dir, name + '.key')} does not belong to ${certPath}; restore the matching key`);
  return { name, cert, key, chain: name === 'ca' ? [] : certs };
}

function validity(days: number, issuer: X509Certificate | undefined, now: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + days * DAY_MS);
  // a certificate outliving its issuer fails verification after the issuer expires anyway
  if (issuer && notAfter > issuer.validToDate) notAfter = issuer.validToDate;
  return { notBefore, notAfter };
}

export interface InitCaOptions {
  cn?: string;
  days?: number;
  key?: KeyKind;
  now?: Date;
}

export interface Written {
  cert: string;
  key: string;
  /** links the rehash of ca.d made */
  links: string[];
}

export function initCa(dir: string, o: InitCaOptions = {}): Written {
  const p = caPaths(dir);
  if (existsSync(p.cert) || existsSync(p.key)) {
    throw new Error(`${dir} already holds a CA (ca.pem or ca.key); choose an empty directory, or remove them to start over`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = generateKey(o.key ?? 'ec');
  const der = buildCert({
    kind: 'ca',
    cn: o.cn ?? 'logferry CA',
    subjectKey: key,
    signer: { cert: undefined, key },
    ...validity(o.days ?? DEFAULT_DAYS.ca, undefined, o.now ?? new Date()),
  });
  writeKey(p.key, key);
  writePublic(p.cert, toPem('CERTIFICATE', der));
  return { cert: p.cert, key: p.key, links: publish(p, [p.cert]) };
}

/** Copies files into ca.d under their own names and rehashes it; returns the links made. */
function publish(p: CaPaths, files: string[], names: string[] = files.map((f) => basename(f))): string[] {
  mkdirSync(p.hashed, { recursive: true, mode: 0o755 });
  files.forEach((f, i) => copyFileSync(f, join(p.hashed, names[i])));
  const r = rehash(p.hashed);
  return r.links.filter((l) => names.includes(l.target)).map((l) => `${l.name} -> ${l.target}`);
}

export interface IssueOptions {
  cn: string;
  /** file stem (default: the CN) */
  name?: string;
  san?: SanEntry[];
  days?: number;
  key?: KeyKind;
  /** name of the intermediate that signs (default: the root CA) */
  issuer?: string;
  /** replaces the EKU (tests) */
  eku?: string[];
  notBefore?: Date;
  notAfter?: Date;
  now?: Date;
}

export function issue(dir: string, kind: Exclude<CertKind, 'ca'>, o: IssueOptions): Written & { notAfter: Date } {
  const name = o.name ?? o.cn;
  checkName(name);
  const p = caPaths(dir);
  const certPath = join(dir, name + '.pem');
  const keyPath = join(dir, name + '.key');
  if (existsSync(certPath) || existsSync(keyPath)) {
    throw new Error(`${certPath} or its key already exists; revoke and remove it first, or use another --cn`);
  }
  const signer = loadIssuer(dir, o.issuer);
  if (kind === 'intermediate' && signer.name !== 'ca') throw new Error('an intermediate is signed by the root CA; leave out --issuer');
  const key = generateKey(o.key ?? 'ec');
  const v = validity(o.days ?? DEFAULT_DAYS[kind], signer.cert, o.now ?? new Date());
  const der = buildCert({
    kind,
    cn: o.cn,
    subjectKey: key,
    signer: { cert: signer.cert, key: signer.key },
    notBefore: o.notBefore ?? v.notBefore,
    notAfter: o.notAfter ?? v.notAfter,
    san: kind === 'server' ? serverSan(o.cn, o.san ?? []) : o.san,
    eku: o.eku,
  });
  writeKey(keyPath, key);
  writePublic(certPath, [der, ...signer.chain.map((c) => c.raw)].map((d) => toPem('CERTIFICATE', d)).join(''));
  // an intermediate joins ca.d so peers that send only their leaf still verify
  const links = kind === 'intermediate' ? publish(p, [certPath]) : [];
  return { cert: certPath, key: keyPath, links, notAfter: o.notAfter ?? v.notAfter };
}

export interface RevokeOptions {
  days?: number;
  now?: Date;
}

export interface Revoked {
  crl: string;
  issuer: string;
  serial: string;
  /** false when the certificate was already listed (the CRL is re-signed anyway) */
  added: boolean;
  number: bigint;
  nextUpdate: Date;
  links: string[];
}

/** The CA in DIR that signed `cert`: the root or one of the intermediates issued there. */
export function findIssuer(dir: string, cert: X509Certificate): Issuer {
  const candidates = ['ca'];
  for (const f of listPem(dir)) if (f !== 'ca' && f !== 'crl' && !f.endsWith('.crl')) candidates.push(f);
  for (const name of candidates) {
    let c: X509Certificate;
    try {
      c = readPemCerts(join(dir, name + '.pem'))[0];
    } catch {
      continue;
    }
    if (c.ca && cert.checkIssued(c) && cert.verify(c.publicKey)) return loadIssuer(dir, name);
  }
  throw new Error(`no CA in ${dir} signed this certificate (issuer '${parseCert(cert).issuerDn}'); give the directory of the CA that issued it`);
}

/** stems of the PEM files in DIR (certificates and CRLs alike; callers filter) */
function listPem(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.pem')).map((f) => f.slice(0, -4)).sort();
  } catch {
    return [];
  }
}

export function crlPathOf(dir: string, issuerName: string): string {
  return issuerName === 'ca' ? caPaths(dir).crl : join(dir, issuerName + '.crl.pem');
}

/** Adds `certPath` (or nothing: a refresh) to its issuer's CRL, re-signs it and rehashes ca.d. */
export function revoke(dir: string, certPath: string | undefined, o: RevokeOptions = {}): Revoked {
  const now = o.now ?? new Date();
  let issuer: Issuer;
  let serial: Uint8Array | undefined;
  let serialText = '';
  if (certPath !== undefined) {
    const cert = readPemCerts(certPath)[0];
    issuer = findIssuer(dir, cert);
    const parsed = parseCert(cert);
    serial = parsed.serialRaw;
    serialText = parsed.serial;
  } else {
    issuer = loadIssuer(dir);
  }
  const crlPath = crlPathOf(dir, issuer.name);
  let state: Pick<CrlState, 'entries' | 'number'> = { entries: [], number: 0n };
  if (existsSync(crlPath)) {
    const block = pemBlocks(readFileSync(crlPath, 'latin1')).find((b) => b.label === 'X509 CRL');
    if (!block) throw new Error(`${crlPath} holds no PEM CRL; move it away and run again (its revocations are lost unless you revoke those certificates again)`);
    state = crlState(block.der);
  }
  const added = serial !== undefined && !isListed(state.entries, serial);
  const number = state.number + 1n;
  const thisUpdate = new Date(now.getTime() - BACKDATE_MS);
  const nextUpdate = new Date(now.getTime() + (o.days ?? DEFAULT_CRL_DAYS) * DAY_MS);
  const der = buildCrl({ issuer: issuer.cert, issuerKey: issuer.key, previous: state.entries, add: serial ? [serial] : [], number, thisUpdate, nextUpdate });
  writePublic(crlPath, toPem('X509 CRL', der));
  const links = publish(caPaths(dir), [crlPath], [issuer.name + '.crl']);
  return { crl: crlPath, issuer: issuer.name, serial: serialText, added, number, nextUpdate, links };
}
