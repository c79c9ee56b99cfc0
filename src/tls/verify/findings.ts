/**
 * Every verification error a chain has, in the order OpenSSL 3's
 * X509_verify_cert reports them (build, extensions, revocation per level
 * leaf-up, then signatures and times root-down). Consulted only to see past
 * OpenSSL's LAST error when that one is an error syslog-ng tolerates (see
 * index.ts): it never makes a chain OpenSSL rejected acceptable by itself.
 */
import type { ParsedCert } from '../x509/cert.ts';
import { EKU } from '../x509/cert.ts';
import { crlSignedBy, serialKey, type ParsedCrl } from '../x509/crl.ts';
import { sameName } from '../x509/name.ts';

export interface Finding {
  /** position in the chain, 0 = the peer's own certificate; -1 = not known */
  depth: number;
  code: string;
  cert: ParsedCert | undefined;
  /** extra facts for diagnostics (CRL file, revocation reason…) */
  detail?: string;
}

export interface ChainFacts {
  /** leaf first, then issuers as OpenSSL resolved them (the peer's and the trust store's) */
  chain: readonly ParsedCert[];
  anchors: readonly ParsedCert[];
  /** undefined = crl-dir() not set */
  crls: readonly ParsedCrl[] | undefined;
  purpose: 'serverAuth' | 'clientAuth';
  now: Date;
}

function issuedBy(child: ParsedCert, parent: ParsedCert): boolean {
  try {
    return child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey);
  } catch {
    return false;
  }
}

/** OpenSSL's self-signed test: subject = issuer and its own key verifies it (keyUsage not consulted). */
function selfSigned(c: ParsedCert): boolean {
  try {
    return c.subjectHash === c.issuerHash && sameName(c.subject, c.issuer) && c.x509.verify(c.x509.publicKey);
  } catch {
    return false;
  }
}

const isAnchor = (c: ParsedCert, anchors: readonly ParsedCert[]) => anchors.some((a) => a.der.equals(c.der));

const MAX_DEPTH = 16;

/**
 * The verified path: the peer's chain up to the first trust anchor, then, as
 * OpenSSL does without PARTIAL_CHAIN, on through the store to a self-signed root.
 */
function anchoredPath(f: ChainFacts): { path: ParsedCert[]; anchored: boolean } {
  const path: ParsedCert[] = [];
  let anchored = false;
  for (const c of f.chain) {
    if (path.length >= MAX_DEPTH) break;
    path.push(c);
    if (isAnchor(c, f.anchors)) {
      anchored = true;
      break;
    }
    const issuer = f.anchors.find((a) => issuedBy(c, a));
    if (issuer) {
      if (!issuer.der.equals(c.der)) path.push(issuer);
      anchored = true;
      break;
    }
    const next = f.chain[path.length];
    if (!next || !issuedBy(c, next)) break;
  }
  while (anchored && path.length < MAX_DEPTH) {
    const top = path[path.length - 1];
    if (selfSigned(top)) break;
    const up = f.anchors.find((a) => !path.includes(a) && issuedBy(top, a));
    if (!up) break;
    path.push(up);
  }
  return { path, anchored };
}

export function chainFindings(f: ChainFacts): Finding[] {
  const out: Finding[] = [];
  const { path, anchored } = anchoredPath(f);
  const top = path.length - 1;
  if (!anchored) {
    const code = selfSigned(path[top]) ? (top === 0 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN') : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
    out.push({ depth: top, code, cert: path[top] });
  }
  for (let d = 1; d < path.length; d++) if (!path[d].isCa) out.push({ depth: d, code: 'INVALID_CA', cert: path[d] });
  const eku = path[0].eku;
  if (eku && !eku.includes(EKU[f.purpose]) && !eku.includes(EKU.any)) {
    out.push({ depth: 0, code: 'INVALID_PURPOSE', cert: path[0], detail: `extendedKeyUsage lacks ${f.purpose}` });
  }
  if (f.crls) {
    for (let d = 0; d < path.length; d++) {
      const cert = path[d];
      const issuer = path[d + 1] ?? (selfSigned(cert) ? cert : undefined);
      const candidates = f.crls.filter((c) => c.issuerHash === cert.issuerHash && sameName(c.issuer, cert.issuer));
      if (candidates.length === 0) {
        out.push({ depth: d, code: 'UNABLE_TO_GET_CRL', cert });
        continue;
      }
      if (!issuer) {
        out.push({ depth: d, code: 'UNABLE_TO_GET_CRL_ISSUER', cert });
        continue;
      }
      const crl = candidates.find((c) => crlSignedBy(c, issuer.x509.publicKey));
      if (!crl) {
        out.push({ depth: d, code: 'CRL_SIGNATURE_FAILURE', cert, detail: candidates[0].file });
        continue;
      }
      if (crl.thisUpdate > f.now) out.push({ depth: d, code: 'CRL_NOT_YET_VALID', cert, detail: crl.file });
      else if (crl.nextUpdate && crl.nextUpdate < f.now) {
        out.push({ depth: d, code: 'CRL_HAS_EXPIRED', cert, detail: `${crl.file} (next update was ${crl.nextUpdate.toISOString()})` });
      }
      const key = serialKey(cert.serialRaw);
      if (crl.revoked.has(key)) {
        const why = crl.revoked.get(key);
        out.push({ depth: d, code: 'CERT_REVOKED', cert, detail: `listed in ${crl.file}${why ? `, reason ${why}` : ''}` });
      }
    }
  }
  for (let d = top; d >= 0; d--) {
    const c = path[d];
    if (d < top && !issuedBy(c, path[d + 1])) out.push({ depth: d, code: 'CERT_SIGNATURE_FAILURE', cert: c });
    if (c.notBefore > f.now) out.push({ depth: d, code: 'CERT_NOT_YET_VALID', cert: c });
    if (c.notAfter < f.now) out.push({ depth: d, code: 'CERT_HAS_EXPIRED', cert: c });
  }
  return out;
}
