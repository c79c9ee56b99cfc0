/**
 * ONE place decides whether a peer certificate is accepted: `verdict()`.
 *
 * Who checks what
 * - OpenSSL (Node's TLS with `ca` = the configured anchors and `crl` = the
 *   crl-dir() CRLs) is THE chain, signature, validity and revocation check.
 *   Node's `crl` option sets X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL, which is
 *   also what AxoSyslog 4.27 sets for crl-dir() (tls-context.c): every level
 *   of the chain is checked, not only the leaf.
 * - syslog-ng adds, in its verify callback (tls-session.c tls_session_verify):
 *   tolerated errors (a level without a CRL, an unsuitable purpose, validity
 *   under ignore-validity-period), the trusted-fingerprints() trust anchor at
 *   depth 0, the non-CA-issuer refusal, trusted-keys()/trusted-fingerprints()
 *   and trusted-dn() as constraints on a valid leaf, the optional EKU check,
 *   and the destination host-name check. Those live in checks.ts, one pure
 *   function each, and verdict.ts applies them in syslog-ng's order.
 *
 * The catch: Node's verify callback always returns 1 and keeps only the LAST
 * error OpenSSL reported. syslog-ng sees every error in order and stops at the
 * first it does not tolerate. So a tolerated last error may hide a real one
 * (leaf revoked, then the root has no CRL: OpenSSL's last word is "unable to
 * get certificate CRL", yet the answer must be REVOKED). Therefore:
 * - OpenSSL says OK: the chain is valid; only the added checks run.
 * - OpenSSL reports an error: findings.ts lists every error of the chain in
 *   OpenSSL's reporting order, from certificate facts (Node's X509Certificate
 *   for signatures/dates/CA flag, @peculiar/asn1-x509 for CRL contents). The
 *   verdict walks that list as syslog-ng's callback would. OpenSSL's own error
 *   is always part of the list (appended at unknown depth if the facts missed
 *   it), so our facts can add reasons to refuse but never remove OpenSSL's.
 *   A fact we get wrong can only refuse a chain OpenSSL also faulted, or stop
 *   a trusted-fingerprints() rescue; it can never let a bad chain in.
 * - A trusted-fingerprints() rescue needs the FIRST untolerated error to be at
 *   depth 0 (as in syslog-ng, where an earlier error above the leaf already
 *   ended the handshake). trusted-keys() never rescues: it only narrows.
 */
export { verdict, type VerdictInput, type Verdict, type VerdictLog } from './verdict.ts';
export { chainFindings, type Finding, type ChainFacts } from './findings.ts';
export { MODES, type ModeRow } from './modes.ts';
export { verifyText, reasonForCode } from './codes.ts';
