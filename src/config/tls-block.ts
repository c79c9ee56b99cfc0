/** A compiled `tls()` option block as the typed TlsOptions the tls layer takes. */
import type { OptionBlock } from './plan.ts';
import type { PeerVerify, TlsOptions } from '../tls/types.ts';
import { optBool, optList, optRaw, optString } from './plan-access.ts';

export function tlsOptionsFromBlock(b: OptionBlock): TlsOptions {
  const o: TlsOptions = {};
  const pv = optString(b, 'peer-verify');
  if (pv) o.peerVerify = pv as PeerVerify;
  o.caDir = optString(b, 'ca-dir');
  o.caFile = optString(b, 'ca-file');
  o.certFile = optString(b, 'cert-file');
  o.keyFile = optString(b, 'key-file');
  o.pkcs12File = optString(b, 'pkcs12-file');
  o.crlDir = optString(b, 'crl-dir');
  const fps = optList(b, 'trusted-fingerprints');
  if (fps && fps.length > 0) {
    o.trustedKeys = fps;
    // AxoSyslog lets a listed fingerprint vouch for an otherwise invalid certificate;
    // logferry keeps the chain check too (safer), so a pin narrows trust and never widens it
    o.trustedFingerprintsMode = false;
  }
  const dn = optList(b, 'trusted-dn');
  if (dn && dn.length > 0) o.trustedDn = dn;
  const cs = optRaw(b, 'cipher-suite');
  if (typeof cs === 'string') o.cipherSuite = cs;
  else if (cs && typeof cs === 'object' && !Array.isArray(cs) && cs.kind === 'block') {
    o.cipherSuiteTls12 = optString(cs, 'tls12-and-older');
    o.cipherSuiteTls13 = optString(cs, 'tls13');
  }
  o.ecdhCurveList = optString(b, 'ecdh-curve-list');
  o.dhparamFile = optString(b, 'dhparam-file');
  o.sigalgs = optString(b, 'sigalgs');
  o.clientSigalgs = optString(b, 'client-sigalgs');
  const so = optList(b, 'ssl-options');
  if (so) o.sslOptions = so;
  o.sslVersion = optString(b, 'ssl-version');
  o.keylogFile = optString(b, 'keylog-file');
  const cmds = optList(b, 'openssl-conf-cmds');
  if (cmds && cmds.length > 0) {
    o.opensslConfCmds = [];
    for (let i = 0; i + 1 < cmds.length; i += 2) o.opensslConfCmds.push([cmds[i], cmds[i + 1]]);
  }
  o.sni = optBool(b, 'sni');
  o.ocspStaplingVerify = optBool(b, 'ocsp-stapling-verify');
  o.extendedKeyUsageVerify = optBool(b, 'extended-key-usage-verify');
  o.allowCompress = optBool(b, 'allow-compress');
  for (const k of Object.keys(o) as Array<keyof TlsOptions>) if (o[k] === undefined) delete o[k];
  return o;
}
