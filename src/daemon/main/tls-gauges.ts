/**
 * The certificate gauges of /metrics: when each certificate a tls() block
 * holds stops being valid (own, CA, and the peers connected now) and when each
 * CRL expects its next update, as unix seconds. Read from the material the
 * main thread holds at scrape time, so a rotation or reload shows at once.
 */
import type { Labels } from '../../core/stats.ts';
import { parseCert, type ParsedCert } from '../../tls/x509/cert.ts';
import { parseCrl, type ParsedCrl } from '../../tls/x509/crl.ts';
import type { PeerCertificate, TlsMaterialEntry } from '../protocol.ts';
import type { MetricFamily, Sample } from './metrics-format.ts';

/**
 * At most this many peer series per scrape: peers choose their subjects, so a
 * flood of distinct client certificates must not grow the scrape without bound.
 */
export const MAX_PEER_SERIES = 1000;

/** the cap in force: LOGFERRY_MAX_PEER_SERIES lowers it for tests, which cannot connect a thousand peers cheaply */
export function peerSeriesLimit(): number {
  const v = Number(process.env.LOGFERRY_MAX_PEER_SERIES);
  return Number.isInteger(v) && v > 0 ? v : MAX_PEER_SERIES;
}

export const CERT_NOT_AFTER = 'logferry_tls_certificate_not_after_timestamp_seconds';
export const CRL_NEXT_UPDATE = 'logferry_tls_crl_next_update_timestamp_seconds';

interface Parsed {
  own: ParsedCert | undefined;
  cas: ParsedCert[];
  crls: ParsedCrl[];
}

// a snapshot is replaced, never changed, on rotation: parse each one once
const parsedBySnapshot = new WeakMap<object, Parsed>();

function parsedOf(e: TlsMaterialEntry): Parsed {
  let p = parsedBySnapshot.get(e.snapshot);
  if (p) return p;
  const s = e.snapshot;
  const seen = new Set<string>();
  const cas: ParsedCert[] = [];
  for (const der of [...s.anchors, ...(s.caDir?.items ?? [])]) {
    const c = parseCert(der);
    if (seen.has(c.der.toString('base64'))) continue;
    seen.add(c.der.toString('base64'));
    cas.push(c);
  }
  p = {
    own: s.own ? parseCert(s.own) : undefined,
    cas,
    crls: (s.crlDir?.items ?? []).map((c) => parseCrl(c.der, c.path)),
  };
  parsedBySnapshot.set(e.snapshot, p);
  return p;
}

/** The label a block's series carry: the declarations using it, or its place in the file when none is known. */
function driversOf(e: TlsMaterialEntry): string[] {
  if (e.drivers && e.drivers.length > 0) return e.drivers;
  return [e.location ? `${e.role}@${e.location.file}:${e.location.line}:${e.location.column}` : e.role];
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

export function tlsGaugeFamilies(entries: readonly TlsMaterialEntry[], peers: readonly PeerCertificate[], maxPeers = MAX_PEER_SERIES): MetricFamily[] {
  const certs = new Map<string, Sample>();
  const crls = new Map<string, Sample>();
  // the same certificate in two blocks of one driver is one series
  const addCert = (labels: Labels, value: number) => certs.set(JSON.stringify(labels), { labels, value });
  for (const e of entries) {
    const p = parsedOf(e);
    for (const driver of driversOf(e)) {
      if (p.own) addCert({ driver, role: 'own', subject: p.own.subjectDn, serial: p.own.serial }, seconds(p.own.notAfter));
      for (const ca of p.cas) addCert({ driver, role: 'ca', subject: ca.subjectDn, serial: ca.serial }, seconds(ca.notAfter));
      for (const crl of p.crls) {
        // a CRL without nextUpdate never expires: no gauge
        if (!crl.nextUpdate) continue;
        const labels = { driver, issuer: crl.issuerDn };
        crls.set(JSON.stringify(labels), { labels, value: seconds(crl.nextUpdate) });
      }
    }
  }
  const byKey = new Map(entries.map((e) => [e.key, e]));
  let n = 0;
  for (const peer of peers) {
    if (n >= maxPeers) break;
    const e = byKey.get(peer.key);
    if (!e) continue;
    for (const driver of driversOf(e)) {
      if (n >= maxPeers) break;
      addCert({ driver, role: 'peer', subject: peer.subject, serial: peer.serial }, peer.notAfter);
      n++;
    }
  }
  return [
    { name: CERT_NOT_AFTER, type: 'gauge', help: 'When a certificate stops being valid (notAfter), unix seconds; role: own (presented), ca (trusted), peer (connected now)', samples: [...certs.values()] },
    { name: CRL_NEXT_UPDATE, type: 'gauge', help: 'When a CRL in crl-dir() expects its next update (nextUpdate), unix seconds', samples: [...crls.values()] },
  ];
}
