/**
 * `logferry cert inspect`: what OpenSSL would object to, said in plain words
 * before a peer says it with an alert. Reads through src/tls (hashed
 * directories, certificate and CRL parsing) so it sees a CA directory the way
 * the daemon does; chain building follows `openssl verify -CApath ca.d
 * -crl_check`: the certificates in the file are untrusted helpers, only ca.d
 * is trusted, and a chain must end at a self-signed certificate found there.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readCaDir, readCrlDir } from '../tls/hashdir.ts';
import { EKU, parseCert, type ParsedCert } from '../tls/x509/cert.ts';
import { crlSignedBy, parseCrl, serialKey, type ParsedCrl } from '../tls/x509/crl.ts';
import { pemBlocks } from '../tls/x509/pem.ts';

type Findings = Finding[];

export interface Finding {
  /** the file the finding is about, as shown (relative to the inspected directory) */
  file: string;
  problem: boolean;
  text: string;
}

const DAY = 86_400_000;
const MAX_DEPTH = 10;
const EKU_NAMES: Record<string, string> = {
  [EKU.serverAuth]: 'TLS server',
  [EKU.clientAuth]: 'TLS client',
  '1.3.6.1.5.5.7.3.3': 'code signing',
  '1.3.6.1.5.5.7.3.4': 'e-mail protection',
  '1.3.6.1.5.5.7.3.8': 'time stamping',
  '1.3.6.1.5.5.7.3.9': 'OCSP signing',
};

const day = (d: Date) => d.toISOString().slice(0, 10);

/** What the checks are made against: ca.d (trusted) and the CRLs found around the target. */
interface Context {
  base: string;
  hashedDir: string | undefined;
  anchors: ParsedCert[];
  crls: ParsedCrl[];
  now: Date;
}

function isHashedDir(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => /^[0-9a-f]{8}\.r?\d+$/.test(n));
  } catch {
    return false;
  }
}

function context(base: string, now: Date, findings: Finding[]): Context {
  let hashedDir: string | undefined;
  if (existsSync(join(base, 'ca.d'))) hashedDir = join(base, 'ca.d');
  else if (isHashedDir(base)) hashedDir = base;
  const ctx: Context = { base, hashedDir, anchors: [], crls: [], now };
  if (hashedDir) {
    try {
      ctx.anchors = readCaDir(hashedDir).items;
      ctx.crls = readCrlDir(hashedDir).items;
    } catch (e) {
      findings.push({ file: rel(base, hashedDir), problem: true, text: (e as Error).message });
    }
  }
  // CRLs kept beside the certificates count too: a revocation must not hide because ca.d is stale
  for (const f of safeList(base)) {
    if (!f.endsWith('.pem') && !f.endsWith('.crl')) continue;
    for (const b of blocksOf(join(base, f))) {
      if (b.label !== 'X509 CRL') continue;
      try {
        const c = parseCrl(b.der, join(base, f));
        if (!ctx.crls.some((x) => x.der.equals(c.der))) ctx.crls.push(c);
      } catch {
        // reported when the file itself is inspected
      }
    }
  }
  return ctx;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function blocksOf(path: string): ReturnType<typeof pemBlocks> {
  try {
    return pemBlocks(readFileSync(path, 'latin1'));
  } catch {
    return [];
  }
}

function rel(base: string, path: string): string {
  return path.startsWith(base + '/') ? path.slice(base.length + 1) : path;
}

/** Inspects a certificate/CRL file or a CA directory. */
export function inspect(target: string, now = new Date()): Finding[] {
  let st;
  try {
    st = statSync(target);
  } catch {
    throw new Error(`${target} does not exist; give a certificate file or a CA directory`);
  }
  const findings: Finding[] = [];
  if (st.isDirectory()) {
    const ctx = context(target, now, findings);
    checkHashing(ctx, findings);
    for (const f of safeList(target)) {
      const full = join(target, f);
      if (!(f.endsWith('.pem') || f.endsWith('.crt') || f.endsWith('.crl')) || !isFile(full)) continue;
      // in a hashed dir the copies are checked through their links' targets, once
      checkFile(full, ctx, findings);
    }
    if (findings.length === 0) findings.push({ file: '.', problem: true, text: 'holds no certificate or CRL; give the directory made by logferry cert init-ca' });
  } else {
    const ctx = context(dirname(target), now, findings);
    checkFile(target, ctx, findings);
  }
  return findings;
}

function isFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}

function checkFile(path: string, ctx: Context, out: Findings): void {
  const file = rel(ctx.base, path);
  const blocks = blocksOf(path);
  const certs: ParsedCert[] = [];
  for (const b of blocks) {
    try {
      if (b.label === 'CERTIFICATE') certs.push(parseCert(b.der));
      else if (b.label === 'X509 CRL') checkCrl(file, parseCrl(b.der, path), ctx, out);
    } catch (e) {
      out.push({ file, problem: true, text: `${(e as Error).message}; replace the file` });
    }
  }
  if (certs.length > 0) checkCert(file, path, certs, ctx, out);
  else if (!blocks.some((b) => b.label === 'X509 CRL')) out.push({ file, problem: true, text: 'holds no PEM certificate or CRL' });
}


function describe(c: ParsedCert): string {
  return `'${c.subjectDn}'`;
}

function checkCert(file: string, path: string, certs: ParsedCert[], ctx: Context, out: Findings): void {
  const leaf = certs[0];
  const before = out.length;
  const problem = (text: string) => out.push({ file, problem: true, text });
  if (ctx.now > leaf.notAfter) problem(`expired on ${day(leaf.notAfter)} (${describe(leaf)}); issue a new certificate`);
  else if (ctx.now < leaf.notBefore) problem(`not yet valid: valid from ${leaf.notBefore.toISOString()} (${describe(leaf)}); check this host's clock`);
  checkKey(file, path, leaf, out);
  if (!leaf.isCa && leaf.eku !== undefined && !leaf.eku.some((o) => o === EKU.serverAuth || o === EKU.clientAuth || o === EKU.any)) {
    const uses = leaf.eku.map((o) => EKU_NAMES[o] ?? o).join(', ') || 'nothing';
    problem(`wrong EKU: its extendedKeyUsage allows ${uses} only, not TLS server or client use; issue it again with 'logferry cert issue server' or 'issue client'`);
  }
  const chain = checkChain(file, certs, ctx, out);
  for (let i = 0; i + 1 < chain.length; i++) checkRevoked(file, chain[i], chain[i + 1], ctx, out);
  if (out.length === before) {
    const kind = leaf.isCa ? 'CA' : leaf.eku?.includes(EKU.serverAuth) ? 'server' : leaf.eku?.includes(EKU.clientAuth) ? 'client' : 'certificate';
    const left = Math.floor((leaf.notAfter.getTime() - ctx.now.getTime()) / DAY);
    out.push({ file, problem: false, text: `ok: ${kind} ${describe(leaf)}, valid until ${day(leaf.notAfter)} (${left} days)` + (chain.length > 1 ? `, chain to ${describe(chain[chain.length - 1])}` : '') });
  }
}

function checkKey(file: string, path: string, cert: ParsedCert, out: Findings): void {
  const keyPath = path.replace(/\.(pem|crt)$/, '') + '.key';
  if (keyPath === path || !existsSync(keyPath)) return;
  const keyFile = basename(keyPath);
  let key;
  try {
    key = createPrivateKey(readFileSync(keyPath, 'latin1'));
  } catch {
    out.push({ file, problem: true, text: `key mismatch: ${keyFile} holds no readable unencrypted private key` });
    return;
  }
  if (!cert.x509.checkPrivateKey(key)) out.push({ file, problem: true, text: `key mismatch: ${keyFile} does not belong to this certificate; find the matching key or issue a new pair` });
  const mode = statSync(keyPath).mode & 0o777;
  if (mode & 0o077) out.push({ file, problem: true, text: `${keyFile} can be read by other users (mode ${mode.toString(8)}); run chmod 600 ${keyFile}` });
}

function selfSigned(c: ParsedCert): boolean {
  return c.x509.checkIssued(c.x509) && c.x509.verify(c.x509.publicKey);
}

/** Builds the chain like OpenSSL: helpers from the file, trust from ca.d; returns what was built. */
function checkChain(file: string, certs: ParsedCert[], ctx: Context, out: Findings): ParsedCert[] {
  const problem = (text: string) => out.push({ file, problem: true, text });
  if (!ctx.hashedDir) {
    problem(`broken chain: there is no ca.d beside it to check against; run 'logferry cert init-ca' or give the CA directory`);
    return [certs[0]];
  }
  const trusted = (c: ParsedCert) => ctx.anchors.some((a) => a.der.equals(c.der));
  const chain = [certs[0]];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const cur = chain[chain.length - 1];
    if (selfSigned(cur)) {
      if (!trusted(cur)) problem(`broken chain: it ends at ${describe(cur)}, which is not in ${rel(ctx.base, ctx.hashedDir)}; add that CA and run 'logferry cert rehash'`);
      return chain;
    }
    const named = [...ctx.anchors, ...certs.slice(1)].filter((c) => cur.x509.checkIssued(c.x509));
    const issuer = named.find((c) => cur.x509.verify(c.x509.publicKey));
    if (!issuer) {
      problem(named.length > 0
        ? `broken chain: the signature does not verify with ${describe(named[0])}; the certificate was not issued by the CA in ${rel(ctx.base, ctx.hashedDir)}`
        : `broken chain: no CA in ${rel(ctx.base, ctx.hashedDir)} issued it (issuer '${cur.issuerDn}', hash ${cur.issuerHash}); add the issuing CA and run 'logferry cert rehash'`);
      return chain;
    }
    if (!issuer.isCa) {
      problem(`broken chain: its issuer ${describe(issuer)} is not a CA certificate`);
      return chain;
    }
    if (ctx.now > issuer.notAfter) problem(`broken chain: its issuer ${describe(issuer)} expired on ${day(issuer.notAfter)}`);
    chain.push(issuer);
  }
  problem('broken chain: more than 10 certificates up to a root');
  return chain;
}

function checkRevoked(file: string, cert: ParsedCert, issuer: ParsedCert, ctx: Context, out: Findings): void {
  const key = serialKey(cert.serialRaw);
  for (const crl of ctx.crls) {
    if (crl.issuerHash !== issuer.subjectHash || !crlSignedBy(crl, issuer.x509.publicKey)) continue;
    if (crl.revoked.has(key)) {
      const who = cert.isCa ? ` (its CA ${describe(cert)})` : '';
      out.push({ file, problem: true, text: `revoked${who}: serial ${cert.serial} is listed in ${rel(ctx.base, crl.file)}; issue a new certificate` });
      return;
    }
  }
}

function checkCrl(file: string, crl: ParsedCrl, ctx: Context, out: Findings): void {
  const issuer = ctx.anchors.find((a) => a.subjectHash === crl.issuerHash && crlSignedBy(crl, a.x509.publicKey));
  const before = out.length;
  if (!issuer && ctx.hashedDir) out.push({ file, problem: true, text: `CRL of '${crl.issuerDn}' is not signed by any CA in ${rel(ctx.base, ctx.hashedDir)}; peers with crl-dir() cannot use it` });
  if (crl.nextUpdate && ctx.now > crl.nextUpdate) {
    out.push({ file, problem: true, text: `stale CRL: its next update was due on ${crl.nextUpdate.toISOString()}; peers with crl-dir() refuse every certificate of '${crl.issuerDn}' until you run 'logferry cert revoke DIR' (without CERT) to re-sign it` });
  }
  if (out.length === before) {
    out.push({ file, problem: false, text: `ok: CRL of '${crl.issuerDn}', ${crl.revoked.size} revoked, next update ${crl.nextUpdate ? day(crl.nextUpdate) : 'not set'}` });
  }
}

/** Every CA certificate and CRL around must be reachable under its hash name, as OpenSSL looks them up. */
function checkHashing(ctx: Context, out: Findings): void {
  const dir = ctx.hashedDir;
  const isCaDir = existsSync(join(ctx.base, 'ca.pem'));
  if (!dir) {
    if (isCaDir) out.push({ file: 'ca.d', problem: true, text: `unhashed CA dir: ca.d is missing; run 'logferry cert rehash' on a directory holding ca.pem and point ca-dir() at it` });
    return;
  }
  const where = rel(ctx.base, dir);
  let ca, crls;
  try {
    ca = readCaDir(dir);
    crls = readCrlDir(dir);
  } catch {
    return;
  }
  const reachable = [...ca.items.map((c) => c.der), ...crls.items.map((c) => c.der)];
  for (const ig of [...ca.ignored, ...crls.ignored]) {
    if (ig.why.startsWith('not named')) continue;
    out.push({ file: `${where}/${ig.file}`, problem: true, text: `unhashed CA dir: ${ig.why}` });
  }
  // a certificate or CRL present in the directory (or the CA's own files) that no hash name reaches
  const candidates = safeList(dir).filter((n) => !/^[0-9a-f]{8}\.r?\d+$/.test(n)).map((n) => join(dir, n));
  if (dir !== ctx.base) for (const n of ['ca.pem', 'crl.pem']) candidates.push(join(ctx.base, n));
  for (const path of candidates) {
    if (!isFile(path)) continue;
    for (const b of blocksOf(path)) {
      if (b.label !== 'CERTIFICATE' && b.label !== 'X509 CRL') continue;
      if (path.startsWith(dir) === false && b.label === 'CERTIFICATE' && !isCaCert(b.der)) continue;
      if (reachable.some((d) => d.equals(b.der))) continue;
      const hash = hashOf(b.label, b.der, path);
      if (hash === undefined) continue;
      out.push({ file: rel(ctx.base, path), problem: true, text: `unhashed CA dir: no ${hash} name in ${where} reaches this ${b.label === 'X509 CRL' ? 'CRL' : 'certificate'}, so OpenSSL will not find it; run 'logferry cert rehash ${where}'` + (path.startsWith(dir) ? '' : ` after copying it into ${where}`) });
    }
  }
}

function isCaCert(der: Buffer): boolean {
  try {
    return new X509Certificate(der).ca;
  } catch {
    return false;
  }
}

function hashOf(label: string, der: Buffer, path: string): string | undefined {
  try {
    return label === 'X509 CRL' ? parseCrl(der, path).issuerHash + '.rN' : parseCert(der).subjectHash + '.N';
  } catch {
    return undefined;
  }
}
