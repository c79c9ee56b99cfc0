/**
 * syslog-ng's certificate decision procedure (tls-options.md §4.24), replayed
 * over the verifier's event sequence. Pure: it returns the verdict and the log
 * lines syslog-ng would write; the endpoint emits them.
 */
import type { PeerVerify, TlsReason } from './types.ts';
import type { ParsedCert } from './cert-parse.ts';
import { verifyText, type VerifyEvent } from './chain.ts';
import { matchFingerprint, type FingerprintEntry } from './fingerprint.ts';
import { matchAnyDn } from './dn-glob.ts';
import { verifyCertificateName, type NameCheck } from './hostname.ts';
import { EKU } from './cert-parse.ts';
import type { InternalLevel, Tags } from '../message/internal-log.ts';

export interface PolicyLog {
  level: InternalLevel;
  text: string;
  tags: Tags;
}

export interface PolicyInput {
  mode: PeerVerify;
  side: 'source' | 'destination';
  leaf: ParsedCert;
  events: VerifyEvent[];
  fingerprints?: FingerprintEntry[];
  /** trusted-fingerprints(): a listed but invalid leaf is accepted */
  fingerprintsMode?: boolean;
  trustedDn?: string[];
  ignoreValidity?: boolean;
  ignoreHostnameMismatch?: boolean;
  /** destination: extended-key-usage-verify(yes) */
  ekuVerify?: boolean;
  /** destination: the host string the name must match */
  host?: string;
  /** Node/OpenSSL's own verdict for the same chain (cross-check), if any */
  libraryCode?: string | null;
  location?: string;
}

export interface PolicyResult {
  ok: boolean;
  reason?: TlsReason;
  /** OpenSSL-style code of the failing step */
  code?: string;
  depth?: number;
  cert?: ParsedCert;
  detail?: string;
  logs: PolicyLog[];
  matchedFingerprint?: string;
  nameCheck?: NameCheck;
}

const UNKNOWN_ISSUER = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN',
]);

export function reasonForCode(code: string): TlsReason {
  if (UNKNOWN_ISSUER.has(code) || code === 'CERT_SIGNATURE_FAILURE' || code === 'CERT_UNTRUSTED') return 'unknown_ca';
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': return 'self_signed';
    case 'CERT_HAS_EXPIRED': return 'expired';
    case 'CERT_NOT_YET_VALID': return 'not_yet_valid';
    case 'CERT_REVOKED': return 'revoked';
    case 'CRL_HAS_EXPIRED':
    case 'CRL_NOT_YET_VALID': return 'crl_expired';
    case 'INVALID_CA':
    case 'PATH_LENGTH_EXCEEDED': return 'invalid_ca_in_chain';
    case 'INVALID_PURPOSE': return 'bad_purpose';
    default: return 'handshake_failed';
  }
}

const isValidity = (c: string | undefined) => c === 'CERT_HAS_EXPIRED' || c === 'CERT_NOT_YET_VALID';

function leafAllowsServer(leaf: ParsedCert): boolean {
  return !leaf.eku || leaf.eku.includes(EKU.serverAuth) || leaf.eku.includes(EKU.any);
}

export function evaluatePolicy(p: PolicyInput): PolicyResult {
  const logs: PolicyLog[] = [];
  const loc = p.location;
  const dst = p.side === 'destination';
  const ekuFail = (): PolicyResult => {
    logs.push({
      level: 'error',
      text: 'Certificate validation failed (invalid purpose)',
      tags: { subject: p.leaf.subjectDn, issuer: p.leaf.issuerDn, expected_purpose: 'TLS server', eku: p.leaf.eku ? 'present' : 'absent', depth: 0 },
    });
    return { ok: false, reason: 'bad_purpose', code: 'INVALID_PURPOSE', depth: 0, cert: p.leaf, logs };
  };

  if (p.mode === 'optional-untrusted' || p.mode === 'required-untrusted') {
    if (dst && p.ekuVerify && !leafAllowsServer(p.leaf)) return ekuFail();
    if (dst) logs.push({ level: 'warning', text: 'Bypassing certificate validation, peer certificate is always accepted', tags: {} });
    return { ok: true, logs };
  }

  const fail = (reason: TlsReason, ev: VerifyEvent, code: string, extra: Partial<PolicyResult> = {}): PolicyResult => ({
    ok: false, reason, code, depth: ev.depth, cert: ev.cert, detail: ev.detail, logs, ...extra,
  });
  const progress = (ev: VerifyEvent, ok: boolean, code?: string) => {
    const c = ev.cert;
    if (ok) logs.push({ level: 'debug', text: 'Certificate validation progress', tags: { subject: c?.subjectDn, issuer: c?.issuerDn, depth: ev.depth } });
    else logs.push({ level: 'error', text: 'Certificate validation failed', tags: { subject: c?.subjectDn, issuer: c?.issuerDn, error: verifyText(code ?? 'OK'), depth: ev.depth } });
  };

  let trustedByFingerprint = false;
  let matched: string | undefined;
  let nameCheck: NameCheck | undefined;
  const fpList = p.fingerprints && p.fingerprints.length > 0 ? p.fingerprints : undefined;
  const dnList = p.trustedDn && p.trustedDn.length > 0 ? p.trustedDn : undefined;

  for (const ev of p.events) {
    if (trustedByFingerprint) continue;
    const code = ev.code;
    if (ev.depth === 0 && fpList) {
      const hit = matchFingerprint(p.leaf.der, fpList);
      if (ev.ok && !hit) {
        logs.push({ level: 'notice', text: 'Certificate valid, but fingerprint constraints were not met, rejecting connection', tags: { location: loc } });
        progress(ev, false, 'OK');
        return fail('fingerprint_mismatch', ev, 'CERT_REJECTED');
      }
      if (ev.ok) matched = hit;
      if (!ev.ok && p.fingerprintsMode && hit) {
        logs.push({
          level: 'notice',
          text: 'Certificate invalid, but accepting due to being present on trusted-fingerprints()',
          tags: { error: verifyText(code ?? 'OK'), location: loc },
        });
        trustedByFingerprint = true;
        matched = hit;
        continue;
      }
    }
    if (ev.ok && ev.depth > 0 && ev.cert && !ev.cert.isCa) {
      logs.push({ level: 'notice', text: 'Invalid certificate found in chain, basicConstraints.ca is unset in non-leaf certificate', tags: { location: loc } });
      progress(ev, false, 'INVALID_CA');
      return fail('invalid_ca_in_chain', ev, 'INVALID_CA');
    }
    if (ev.ok && ev.depth === 0 && dnList && !matchAnyDn(dnList, p.leaf.subjectDn)) {
      logs.push({ level: 'notice', text: 'Certificate valid, but DN constraints were not met, rejecting', tags: { location: loc } });
      progress(ev, false, 'CERT_UNTRUSTED');
      return fail('dn_mismatch', ev, 'CERT_UNTRUSTED');
    }
    if (!ev.ok) {
      if (code === 'UNABLE_TO_GET_CRL') {
        logs.push({ level: 'notice', text: 'CRL directory is set but no CRLs found', tags: { location: loc } });
        continue;
      }
      if (code === 'INVALID_PURPOSE') {
        if (dst && p.ekuVerify) return ekuFail();
        logs.push({ level: 'warning', text: 'Certificate valid, but purpose is invalid', tags: { location: loc } });
        continue;
      }
      if (isValidity(code) && p.ignoreValidity) {
        logs.push({ level: 'notice', text: 'Ignoring not yet valid / expired certificate error due to ssl_options(ignore-validity-period)', tags: { location: loc } });
        continue;
      }
      progress(ev, false, code);
      return fail(reasonForCode(code ?? ''), ev, code ?? 'CERT_REJECTED');
    }
    if (dst && ev.depth === 0 && p.host !== undefined) {
      nameCheck = verifyCertificateName(p.leaf, p.host);
      if (!nameCheck.ok) {
        if (p.ignoreHostnameMismatch) {
          logs.push({ level: 'warning', text: 'Ignoring certificate subject validation error due to options(ignore-hostname-mismatch)', tags: { hostname: p.host } });
        } else {
          logs.push({ level: 'error', text: 'Certificate subject does not match configured hostname', tags: { hostname: p.host, certificate: nameCheck.lastPattern } });
          return fail('hostname_mismatch', ev, 'HOSTNAME_MISMATCH', { nameCheck });
        }
      } else {
        logs.push({ level: 'verbose', text: 'Certificate subject matches configured hostname', tags: { hostname: p.host, certificate: nameCheck.lastPattern } });
      }
    }
    progress(ev, true);
  }

  // Node/OpenSSL saw the same chain: an error it reports that our replay never saw is not ignorable
  const lib = p.libraryCode;
  if (!trustedByFingerprint && lib) {
    const seen = p.events.some((e) => e.code === lib || (UNKNOWN_ISSUER.has(lib) && e.code !== undefined && UNKNOWN_ISSUER.has(e.code)));
    const ignorable = (lib === 'INVALID_PURPOSE' && !(dst && p.ekuVerify)) || (isValidity(lib) && p.ignoreValidity);
    if (!seen && !ignorable) {
      const ev: VerifyEvent = { depth: 0, ok: false, code: lib, cert: p.leaf };
      progress(ev, false, lib);
      return { ok: false, reason: reasonForCode(lib), code: lib, depth: 0, cert: p.leaf, logs, detail: 'reported by the TLS library' };
    }
  }
  return { ok: true, logs, matchedFingerprint: matched, nameCheck };
}
