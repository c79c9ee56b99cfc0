/**
 * Path validation against the configured trust anchors only, reporting every
 * problem with its depth in the order OpenSSL's verifier reports them (chain
 * building, extensions, revocation, then signatures/times top-down, each
 * certificate closing with an "ok" step). syslog-ng's policy is a callback over
 * exactly that sequence, so policy.ts replays it.
 */
import { sameName } from './x509-name.ts';
import { EKU, type ParsedCert } from './cert-parse.ts';
import { serialKey, verifyCrlSignature, type ParsedCrl } from './crl.ts';

export interface VerifyEvent {
  depth: number;
  /** false = an error report; true = the closing "certificate ok so far" step */
  ok: boolean;
  /** OpenSSL's error name (Node's `code` spelling), set when !ok */
  code?: string;
  cert: ParsedCert | undefined;
  /** extra facts for diagnostics (revocation reason, CRL file…) */
  detail?: string;
}

export interface ChainResult {
  chain: ParsedCert[];
  /** the chain ends in a configured trust anchor */
  anchored: boolean;
  events: VerifyEvent[];
}

/** X509_verify_cert_error_string texts (OpenSSL 3 spelling). */
export const VERIFY_TEXT: Record<string, string> = {
  OK: 'ok',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  INVALID_CA: 'invalid CA certificate',
  INVALID_PURPOSE: 'unsuitable certificate purpose',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  UNABLE_TO_GET_CRL_ISSUER: 'unable to get CRL issuer certificate',
  CRL_SIGNATURE_FAILURE: 'CRL signature failure',
  CRL_NOT_YET_VALID: 'CRL is not yet valid',
  CRL_HAS_EXPIRED: 'CRL has expired',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  CERT_REJECTED: 'certificate rejected',
};

export function verifyText(code: string): string {
  return VERIFY_TEXT[code] ?? code.toLowerCase().replace(/_/g, ' ');
}

const MAX_DEPTH = 16;

function signedBy(child: ParsedCert, parent: ParsedCert): boolean {
  if (child.issuerHash !== parent.subjectHash || !sameName(child.issuer, parent.subject)) return false;
  try {
    return child.x509.verify(parent.x509.publicKey);
  } catch {
    return false;
  }
}

function selfSigned(c: ParsedCert): boolean {
  return signedBy(c, c);
}

export interface ChainInput {
  leaf: ParsedCert;
  /** other certificates the peer sent (any order) */
  untrusted: ParsedCert[];
  anchors: ParsedCert[];
  /** undefined = crl-dir() not set: no revocation checking */
  crls: ParsedCrl[] | undefined;
  /** the EKU the leaf must allow (serverAuth when we are the client) */
  purpose: 'serverAuth' | 'clientAuth';
  now?: Date;
}

export function validateChain(input: ChainInput): ChainResult {
  const now = input.now ?? new Date();
  const events: VerifyEvent[] = [];
  const chain: ParsedCert[] = [input.leaf];
  let anchored = false;
  const isAnchor = (c: ParsedCert) => input.anchors.some((a) => a.der.equals(c.der));

  // 1. build: trusted issuers first (OpenSSL's default X509_V_FLAG_TRUSTED_FIRST), then what the peer sent
  for (let guard = 0; guard < MAX_DEPTH; guard++) {
    const cur = chain[chain.length - 1];
    if (isAnchor(cur)) {
      anchored = true;
      break;
    }
    const fromStore = input.anchors.find((a) => signedBy(cur, a));
    if (fromStore) {
      if (!fromStore.der.equals(cur.der)) chain.push(fromStore);
      anchored = true;
      break;
    }
    if (selfSigned(cur)) {
      const depth = chain.length - 1;
      events.push({ depth, ok: false, code: depth === 0 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN', cert: cur });
      break;
    }
    const next = input.untrusted.find((u) => !chain.includes(u) && signedBy(cur, u));
    if (!next) {
      const depth = chain.length - 1;
      events.push({ depth, ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', cert: cur });
      break;
    }
    chain.push(next);
    if (guard === MAX_DEPTH - 1) events.push({ depth: chain.length - 1, ok: false, code: 'CERT_CHAIN_TOO_LONG', cert: next });
  }

  // 2. extensions: leaf purpose, CA flag on every issuer
  const leafEku = input.leaf.eku;
  if (leafEku && !leafEku.includes(EKU[input.purpose]) && !leafEku.includes(EKU.any)) {
    events.push({ depth: 0, ok: false, code: 'INVALID_PURPOSE', cert: input.leaf, detail: `extendedKeyUsage lacks ${input.purpose}` });
  }
  for (let d = 1; d < chain.length; d++) {
    if (!chain[d].isCa) {
      events.push({ depth: d, ok: false, code: 'INVALID_CA', cert: chain[d] });
    }
  }

  // 3. revocation for the whole chain (CRL_CHECK | CRL_CHECK_ALL)
  if (input.crls) {
    for (let d = 0; d < chain.length; d++) {
      const cert = chain[d];
      const issuer = chain[d + 1] ?? (selfSigned(cert) ? cert : undefined);
      const candidates = input.crls.filter((c) => c.issuerHash === cert.issuerHash && sameName(c.issuer, cert.issuer));
      if (candidates.length === 0) {
        events.push({ depth: d, ok: false, code: 'UNABLE_TO_GET_CRL', cert });
        continue;
      }
      if (!issuer) {
        events.push({ depth: d, ok: false, code: 'UNABLE_TO_GET_CRL_ISSUER', cert });
        continue;
      }
      const crl = candidates.find((c) => verifyCrlSignature(c, issuer.x509.publicKey));
      if (!crl) {
        events.push({ depth: d, ok: false, code: 'CRL_SIGNATURE_FAILURE', cert, detail: candidates[0].file });
        continue;
      }
      if (crl.thisUpdate > now) events.push({ depth: d, ok: false, code: 'CRL_NOT_YET_VALID', cert, detail: crl.file });
      else if (crl.nextUpdate && crl.nextUpdate < now) {
        events.push({ depth: d, ok: false, code: 'CRL_HAS_EXPIRED', cert, detail: `${crl.file} (next update was ${crl.nextUpdate.toISOString()})` });
      }
      const key = serialKey(cert.serialRaw);
      if (crl.revoked.has(key)) {
        const why = crl.revoked.get(key);
        events.push({ depth: d, ok: false, code: 'CERT_REVOKED', cert, detail: `listed in ${crl.file}${why ? `, reason ${why}` : ''}` });
      }
    }
  }

  // 4. times, top of the chain first, each certificate then closes with an ok step
  for (let d = chain.length - 1; d >= 0; d--) {
    const c = chain[d];
    if (c.notBefore > now) events.push({ depth: d, ok: false, code: 'CERT_NOT_YET_VALID', cert: c });
    if (c.notAfter < now) events.push({ depth: d, ok: false, code: 'CERT_HAS_EXPIRED', cert: c });
    events.push({ depth: d, ok: true, cert: c });
  }
  return { chain, anchored, events };
}
