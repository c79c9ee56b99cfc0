/**
 * OpenSSL hashed directories (ca-dir(), crl-dir()). OpenSSL finds an issuer by
 * hashing the name it looks for and opening `<hash>.0`, `<hash>.1`, … until one
 * is missing, so only files named after the hash of what they contain can ever
 * be found. We read them eagerly but keep exactly that visibility rule.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pemBlocks } from './der.ts';
import { parseCert, type ParsedCert } from './cert-parse.ts';
import { parseCrl, type ParsedCrl } from './crl.ts';

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

function readDir(dir: string, option: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${option} ${dir} cannot be read: ${err.code === 'ENOENT' ? 'no such directory' : err.message}; create it and put the CA certificates in it as <hash>.0 files (logferry cert rehash, or c_rehash)`);
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

export function readCaDir(dir: string): HashedDir<ParsedCert> {
  const names = readDir(dir, 'ca-dir()');
  const { reach, gaps } = reachable(names, CERT_NAME);
  const out: HashedDir<ParsedCert> = { dir, items: [], used: [], ignored: [] };
  for (const g of gaps) out.ignored.push({ file: g, why: 'not reached: OpenSSL stops at the first missing <hash>.<n> number' });
  for (const n of names) {
    if (isOther(n)) out.ignored.push({ file: n, why: 'not named <subject-hash>.<n>' });
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
        if (b.label !== 'CERTIFICATE' && b.label !== 'TRUSTED CERTIFICATE' && b.label !== 'X509 CERTIFICATE') continue;
        try {
          const c = parseCert(b.der);
          if (c.subjectHash === hash) {
            out.items.push(c);
            matched++;
          } else {
            out.ignored.push({ file: f, why: `holds a certificate whose subject hash is ${c.subjectHash} (subject '${c.subjectDn}'); rename it to ${c.subjectHash}.0` });
          }
        } catch (e) {
          out.ignored.push({ file: f, why: `unparsable certificate: ${(e as Error).message}` });
        }
      }
      if (matched > 0) out.used.push(f);
      else if (!out.ignored.some((x) => x.file === f)) out.ignored.push({ file: f, why: 'no PEM certificate inside' });
    }
  }
  return out;
}

export function readCrlDir(dir: string): HashedDir<ParsedCrl> {
  const names = readDir(dir, 'crl-dir()');
  const { reach, gaps } = reachable(names, CRL_NAME);
  const out: HashedDir<ParsedCrl> = { dir, items: [], used: [], ignored: [] };
  for (const g of gaps) out.ignored.push({ file: g, why: 'not reached: OpenSSL stops at the first missing <hash>.r<n> number' });
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
        if (b.label !== 'X509 CRL') continue;
        try {
          const crl = parseCrl(b.der, path);
          if (crl.issuerHash === hash) {
            out.items.push(crl);
            matched++;
          } else out.ignored.push({ file: f, why: `holds a CRL whose issuer hash is ${crl.issuerHash}; rename it to ${crl.issuerHash}.r0` });
        } catch (e) {
          out.ignored.push({ file: f, why: `unparsable CRL: ${(e as Error).message}` });
        }
      }
      if (matched > 0) out.used.push(f);
      else if (!out.ignored.some((x) => x.file === f)) out.ignored.push({ file: f, why: 'no PEM CRL inside' });
    }
  }
  return out;
}
