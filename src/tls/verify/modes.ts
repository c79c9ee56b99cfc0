/** What each peer-verify() mode asks of the handshake: one row per mode, read by the endpoint and the verdict. */
import type { PeerVerify } from '../types.ts';

export interface ModeRow {
  /** server side: send a CertificateRequest at all */
  requestCertificate: boolean;
  /** a peer without a certificate is refused */
  certificateRequired: boolean;
  /** OpenSSL's verdict and syslog-ng's added checks (fingerprints, DN, host name…) apply */
  verifyChain: boolean;
}

export const MODES: Readonly<Record<PeerVerify, ModeRow>> = {
  'required-trusted': { requestCertificate: true, certificateRequired: true, verifyChain: true },
  'required-untrusted': { requestCertificate: true, certificateRequired: true, verifyChain: false },
  'optional-trusted': { requestCertificate: true, certificateRequired: false, verifyChain: true },
  'optional-untrusted': { requestCertificate: false, certificateRequired: false, verifyChain: false },
};
