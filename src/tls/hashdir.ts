/**
 * OpenSSL hashed directories (ca-dir(), crl-dir()). OpenSSL finds an issuer by
 * hashing the name it looks for and opening `<hash>.0`, `<hash>.1`, … until one
 * is missing, so only files named after the hash of what they contain can ever
 * be found. We read them eagerly but keep exactly that visibility rule.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pemBlocks } from './x509/pem.ts';
import { parseCert, type ParsedCert } from './x509/cert.ts';
import { parseCrl, type ParsedCrl } from './x509/crl.ts';

export interface Ignored {
  file: string;
  why: string;
}

export interface HashedDir<T> {
  dir: string;
  items: T[];
  /** file names that are usable */
  used: string[];
  /** files present but invisible to OpenSSL's lookup, with the reason */
  ignored: Ignored[];
}

const CERT_NAME = /^([0-9a-f]{8})\.(\d+)$/;
const CRL_NAME = /^([0-9a-f]{8})\.r(\d+)$/;

function readDir(dir: string, option: string, what: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${option} ${dir} cannot be read: ${err.code === 'ENOENT' ? 'no such directory' : err.message}; create it and put ${what} in it (openssl rehash DIR names them)`);
  }
}

/** Files of the series `<hash><sep>0`, `<hash><sep>1`, … that OpenSSL would open (stops at the first gap). */
function reachable(names: string[], re: RegExp): { reach: Map<string, string[]>; gaps: string[] } {
  const byHash = new Map<string, Set<number>>();
  for (const n of names) {
    const m = re.exec(n);
    if (!m) continue;
    let s = byHash.get(m[1]);
    if (!s) byHash.set(m[1], (s = new Set()));
    s.add(Number(m[2]));
  }
  const reach = new Map<string, string[]>();
  const gaps: string[] = [];
  const sep = re === CRL_NAME ? '.r' : '.';
  for (const [h, nums] of byHash) {
    const files: string[] = [];
    let n = 0;
    while (nums.has(n)) files.push(h + sep + n++);
    reach.set(h, files);
    for (const x of nums) if (x >= n) gaps.push(h + sep + x);
  }
  return { reach, gaps };
}

function isOther(n: string): boolean {
  return !CERT_NAME.test(n) && !CRL_NAME.test(n);
}

function realPath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Files named like neither series that no `<hash>.N` / `<hash>.rN` link leads
 * to. `openssl rehash` (and `logferry cert`) keep the real file under its own
 * name and add a hash-named link, so a linked file is reached and no problem.
 */
function unlinkedOthers(dir: string, names: string[]): string[] {
  const targets = new Set<string>();
  for (const n of names) {
    if (isOther(n)) continue;
    const r = realPath(join(dir, n));
    if (r) targets.add(r);
  }
  return names.filter((n) => {
    if (!isOther(n)) return false;
    const r = realPath(join(dir, n));
    return r === undefined || !targets.has(r);
  });
}

/** What differs between a ca-dir() and a crl-dir(). */
interface DirKind<T> {
  option: string;
  /** for the "cannot be read" fix */
  what: string;
  name: RegExp;
  /** `<hash>.0` or `<hash>.r0`: the first file of a series */
  first: string;
  labels: readonly string[];
  noun: string;
  parse(der: Buffer, path: string): T;
  hash(item: T): string;
  /** what the item is, for "holds a … whose … hash is …" */
  describe(item: T): string;
  /** list files named like neither series (done once, for the ca-dir) */
  reportOthers: boolean;
}

const CA_DIR: DirKind<ParsedCert> = {
  option: 'ca-dir()',
  what: 'the CA certificates as <hash>.0 files',
  name: CERT_NAME,
  first: '.0',
  labels: ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'],
  noun: 'certificate',
  parse: (der) => parseCert(der),
  hash: (c) => c.subjectHash,
  describe: (c) => `a certificate whose subject hash is ${c.subjectHash} (subject '${c.subjectDn}')`,
  reportOthers: true,
};

const CRL_DIR: DirKind<ParsedCrl> = {
  option: 'crl-dir()',
  what: 'the CRLs as <hash>.r0 files',
  name: CRL_NAME,
  first: '.r0',
  labels: ['X509 CRL'],
  noun: 'CRL',
  parse: (der, path) => parseCrl(der, path),
  hash: (c) => c.issuerHash,
  describe: (c) => `a CRL whose issuer hash is ${c.issuerHash}`,
  reportOthers: false,
};

export function readCaDir(dir: string): HashedDir<ParsedCert> {
  return readHashedDir(dir, CA_DIR);
}

export function readCrlDir(dir: string): HashedDir<ParsedCrl> {
  return readHashedDir(dir, CRL_DIR);
}

function readHashedDir<T>(dir: string, kind: DirKind<T>): HashedDir<T> {
  const names = readDir(dir, kind.option, kind.what);
  const { reach, gaps } = reachable(names, kind.name);
  const out: HashedDir<T> = { dir, items: [], used: [], ignored: [] };
  const series = kind.first.slice(0, -1);
  for (const g of gaps) out.ignored.push({ file: g, why: `not reached: OpenSSL stops at the first missing <hash>${series}<n> number` });
  if (kind.reportOthers) {
    for (const n of unlinkedOthers(dir, names)) out.ignored.push({ file: n, why: 'not named <subject-hash>.<n>' });
  }
  for (const [hash, files] of reach) {
    for (const f of files) {
      const path = join(dir, f);
      let text: string;
      try {
        text = readFileSync(path, 'latin1');
      } catch (e) {
        out.ignored.push({ file: f, why: (e as Error).message });
        continue;
      }
      let matched = 0;
      for (const b of pemBlocks(text)) {
        if (!kind.labels.includes(b.label)) continue;
        try {
          const item = kind.parse(b.der, path);
          const h = kind.hash(item);
          if (h === hash) {
            out.items.push(item);
            matched++;
          } else {
            out.ignored.push({ file: f, why: `holds ${kind.describe(item)}; rename it to ${h}${kind.first}` });
          }
        } catch (e) {
          out.ignored.push({ file: f, why: `unparsable ${kind.noun}: ${(e as Error).message}` });
        }
      }
      if (matched > 0) out.used.push(f);
      else if (!out.ignored.some((x) => x.file === f)) out.ignored.push({ file: f, why: `no PEM ${kind.noun} inside` });
    }
  }
  return out;
}
