/**
 * Version 2 CRLs built as ASN.1 and signed with node:crypto. A new CRL keeps
 * every entry of the previous one byte for byte and carries the next CRL
 * number, so relying parties that cache CRLs see it as newer.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier, Certificate, CertificateList, CRLNumber, Extension, KeyIdentifier, RevokedCertificate,
  SubjectKeyIdentifier, TBSCertList, Time, Version, id_ce_authorityKeyIdentifier, id_ce_cRLNumber, id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { OctetString } from '@peculiar/asn1-schema';
import { keyIdentifier } from './build-cert.ts';
import { signDer, signatureAlgorithm } from './keys.ts';

export interface CrlSpec {
  issuer: X509Certificate;
  issuerKey: KeyObject;
  /** entries already published (kept as they are) */
  previous: readonly RevokedCertificate[];
  /** serial content octets of certificates to add now */
  add: readonly Uint8Array[];
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
}

/** What a previous CRL contributes to the next one. */
export interface CrlState {
  entries: RevokedCertificate[];
  number: bigint;
  nextUpdate: Date | undefined;
}

function hexKey(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return Buffer.from(b.subarray(i)).toString('hex');
}

export function crlState(der: Uint8Array): CrlState {
  const list = AsnConvert.parse(der, CertificateList);
  const ext = list.tbsCertList.crlExtensions?.find((e) => e.extnID === id_ce_cRLNumber);
  let number = 0n;
  if (ext) {
    const v = AsnConvert.parse(ext.extnValue.buffer, CRLNumber).value;
    number = BigInt(v);
  }
  return { entries: [...(list.tbsCertList.revokedCertificates ?? [])], number, nextUpdate: list.tbsCertList.nextUpdate?.getTime() };
}

/** serial (content octets) is already listed */
export function isListed(entries: readonly RevokedCertificate[], serial: Uint8Array): boolean {
  const k = hexKey(serial);
  return entries.some((e) => hexKey(new Uint8Array(e.userCertificate)) === k);
}

function issuerKeyId(issuer: X509Certificate): Buffer {
  const tbs = AsnConvert.parse(issuer.raw, Certificate).tbsCertificate;
  const ski = tbs.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  return ski ? Buffer.from(AsnConvert.parse(ski.extnValue.buffer, SubjectKeyIdentifier).buffer) : keyIdentifier(issuer.publicKey);
}

/** CRL numbers up to 2^53 are written as plain numbers; beyond that the library's encoder would lose digits. */
function crlNumber(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('the CRL number is too large to continue; start a new CA');
  return Number(n);
}

export function buildCrl(spec: CrlSpec): Buffer {
  const entries = [...spec.previous];
  for (const serial of spec.add) {
    if (isListed(entries, serial)) continue;
    entries.push(new RevokedCertificate({ userCertificate: new Uint8Array(serial).buffer, revocationDate: new Time(spec.thisUpdate) }));
  }
  const sigAlg = signatureAlgorithm(spec.issuerKey);
  const ext = (id: string, value: unknown) => new Extension({ extnID: id, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: sigAlg,
    issuer: AsnConvert.parse(spec.issuer.raw, Certificate).tbsCertificate.subject,
    thisUpdate: new Time(spec.thisUpdate),
    nextUpdate: new Time(spec.nextUpdate),
    revokedCertificates: entries.length > 0 ? entries : undefined,
    crlExtensions: [
      ext(id_ce_authorityKeyIdentifier, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuerKeyId(spec.issuer)) })),
      ext(id_ce_cRLNumber, new CRLNumber(crlNumber(spec.number))),
    ],
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const list = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: sigAlg,
    signature: new Uint8Array(signDer(tbsDer, spec.issuerKey)).buffer,
  });
  return Buffer.from(AsnConvert.serialize(list));
}
