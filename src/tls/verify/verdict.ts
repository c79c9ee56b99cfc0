/** The verdict on one peer certificate: pure; the design is explained in index.ts. */
import type { PeerVerify, TlsReason } from '../types.ts';
import type { ParsedCert } from '../x509/cert.ts';
import type { FingerprintEntry } from '../fingerprint.ts';
import type { NameCheck } from '../hostname.ts';
import type { InternalLevel, Tags } from '../../core/internal-log.ts';
import { MODES } from './modes.ts';
import { reasonForCode, sameProblem, verifyText } from './codes.ts';
import type { Finding } from './findings.ts';
import { dnCheck, ekuAllowsServer, fingerprintCheck, hostnameCheck, nonCaIssuerDepth, tolerance } from './checks.ts';

export interface VerdictLog {
  level: InternalLevel;
  text: string;
  tags: Tags;
}

export interface VerdictInput {
  mode: PeerVerify;
  /** the side that verifies: a source judges clients, a destination judges servers */
  side: 'source' | 'destination';
  /** leaf first, then its issuers as OpenSSL resolved them; empty = no certificate */
  chain: readonly ParsedCert[];
  /** OpenSSL's (last) verification error code, null when it verified the chain */
  opensslError: string | null;
  /** every error of the chain in OpenSSL's order (called only when OpenSSL reported one) */
  findings: () => readonly Finding[];
  fingerprints?: readonly FingerprintEntry[];
  /** true for trusted-fingerprints() (a listed leaf may be accepted although invalid), false for trusted-keys() */
  fingerprintsAnchor?: boolean;
  trustedDn?: readonly string[];
  ignoreValidity?: boolean;
  /** crl-dir() is set but holds no CRL: OpenSSL then checks none, and syslog-ng notes each level it could not check */
  crlDirEmpty?: boolean;
  ignoreHostnameMismatch?: boolean;
  /** destination: extended-key-usage-verify(yes) */
  ekuVerify?: boolean;
  /** destination: the host string the name must match */
  host?: string;
  location?: string;
}

export interface Verdict {
  ok: boolean;
  reason?: TlsReason;
  /** OpenSSL-style code of the failing step */
  code?: string;
  /** chain depth of the certificate at fault (0 = the peer's own) */
  depth?: number;
  /** the certificate at fault (may be a CA of the chain) */
  cert?: ParsedCert;
  detail?: string;
  logs: VerdictLog[];
  matchedFingerprint?: string;
  nameCheck?: NameCheck;
}

const progressTags = (c: ParsedCert | undefined, depth: number): Tags => ({ subject: c?.subjectDn, issuer: c?.issuerDn, depth });

export function verdict(p: VerdictInput): Verdict {
  const logs: VerdictLog[] = [];
  const loc = p.location;
  const dst = p.side === 'destination';
  const row = MODES[p.mode];
  const leaf = p.chain[0];
  if (!leaf) {
    return row.certificateRequired ? { ok: false, reason: 'no_peer_certificate', logs } : { ok: true, logs };
  }
  const ekuFail = (): Verdict => {
    logs.push({
      level: 'error',
      text: 'Certificate validation failed (invalid purpose)',
      tags: { subject: leaf.subjectDn, issuer: leaf.issuerDn, expected_purpose: 'TLS server', eku: leaf.eku ? 'present' : 'absent', depth: 0 },
    });
    return { ok: false, reason: 'bad_purpose', code: 'INVALID_PURPOSE', depth: 0, cert: leaf, logs };
  };
  if (!row.verifyChain) {
    if (dst && p.ekuVerify && !ekuAllowsServer(leaf)) return ekuFail();
    if (dst) logs.push({ level: 'warning', text: 'Bypassing certificate validation, peer certificate is always accepted', tags: {} });
    return { ok: true, logs };
  }
  const refuse = (reason: TlsReason, code: string, depth: number, cert: ParsedCert | undefined, extra: Partial<Verdict> = {}): Verdict => {
    logs.push({ level: 'error', text: 'Certificate validation failed', tags: { ...progressTags(cert, depth), error: verifyText(code) } });
    return { ok: false, reason, code, depth, cert, logs, ...extra };
  };
  const fpList = p.fingerprints && p.fingerprints.length > 0 ? p.fingerprints : undefined;
  const matched = fpList ? fingerprintCheck(leaf, fpList) : undefined;

  // 1. the errors OpenSSL met, in its order, as syslog-ng's callback sees them
  if (p.opensslError) {
    const errors = [...p.findings()];
    if (!errors.some((e) => sameProblem(e.code, p.opensslError!))) errors.push({ depth: -1, code: p.opensslError, cert: undefined });
    for (const e of errors) {
      if (e.depth === 0 && matched !== undefined && p.fingerprintsAnchor) {
        logs.push({ level: 'notice', text: 'Certificate invalid, but accepting due to being present on trusted-fingerprints()', tags: { error: verifyText(e.code), location: loc } });
        return { ok: true, logs, matchedFingerprint: matched };
      }
      const tol = tolerance(e.code, p);
      if (tol) {
        logs.push({ level: tol.level, text: tol.text, tags: { location: loc } });
        continue;
      }
      // an error OpenSSL saw but our facts did not place is charged to the peer's certificate
      const depth = e.depth < 0 ? 0 : e.depth;
      return refuse(reasonForCode(e.code), e.code, depth, e.cert ?? leaf, { detail: e.detail ?? (e.depth < 0 ? 'reported by OpenSSL' : undefined) });
    }
  }

  // 2. the chain is valid: syslog-ng's constraints, issuers first, the leaf last
  if (p.crlDirEmpty) {
    for (let d = 0; d < p.chain.length; d++) logs.push({ level: 'notice', text: 'CRL directory is set but no CRLs found', tags: { location: loc } });
  }
  const nonCa = nonCaIssuerDepth(p.chain);
  if (nonCa !== undefined) {
    logs.push({ level: 'notice', text: 'Invalid certificate found in chain, basicConstraints.ca is unset in non-leaf certificate', tags: { location: loc } });
    return refuse('invalid_ca_in_chain', 'INVALID_CA', nonCa, p.chain[nonCa]);
  }
  for (let d = p.chain.length - 1; d > 0; d--) logs.push({ level: 'debug', text: 'Certificate validation progress', tags: progressTags(p.chain[d], d) });
  if (fpList && matched === undefined) {
    logs.push({ level: 'notice', text: 'Certificate valid, but fingerprint constraints were not met, rejecting connection', tags: { location: loc } });
    return refuse('fingerprint_mismatch', 'CERT_REJECTED', 0, leaf);
  }
  if (p.trustedDn && p.trustedDn.length > 0 && !dnCheck(leaf, p.trustedDn)) {
    logs.push({ level: 'notice', text: 'Certificate valid, but DN constraints were not met, rejecting', tags: { location: loc } });
    return refuse('dn_mismatch', 'CERT_UNTRUSTED', 0, leaf);
  }
  if (dst && p.ekuVerify && !ekuAllowsServer(leaf)) return ekuFail();
  let nameCheck: NameCheck | undefined;
  if (dst && p.host !== undefined) {
    nameCheck = hostnameCheck(leaf, p.host);
    if (!nameCheck.ok && !p.ignoreHostnameMismatch) {
      logs.push({ level: 'error', text: 'Certificate subject does not match configured hostname', tags: { hostname: p.host, certificate: nameCheck.lastPattern } });
      return { ok: false, reason: 'hostname_mismatch', code: 'HOSTNAME_MISMATCH', depth: 0, cert: leaf, logs, nameCheck };
    }
    logs.push(nameCheck.ok
      ? { level: 'verbose', text: 'Certificate subject matches configured hostname', tags: { hostname: p.host, certificate: nameCheck.lastPattern } }
      : { level: 'warning', text: 'Ignoring certificate subject validation error due to options(ignore-hostname-mismatch)', tags: { hostname: p.host } });
  }
  logs.push({ level: 'debug', text: 'Certificate validation progress', tags: progressTags(leaf, 0) });
  return { ok: true, logs, matchedFingerprint: matched, nameCheck };
}
