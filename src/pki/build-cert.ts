/**
 * X.509 v3 certificates built as ASN.1 (@peculiar/asn1-x509) and signed with
 * node:crypto. One profile per kind decides basicConstraints, keyUsage and
 * extendedKeyUsage, so a server certificate cannot come out with a client's
 * purpose or a leaf with CA:TRUE.
 */
import { createHash, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AttributeTypeAndValue, AttributeValue, AuthorityKeyIdentifier, BasicConstraints, Certificate, ExtendedKeyUsage,
  Extension, Extensions, GeneralName, KeyIdentifier, KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName,
  SubjectAlternativeName, SubjectKeyIdentifier, SubjectPublicKeyInfo, TBSCertificate, Validity, Version,
  id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { EKU } from '../tls/x509/cert.ts';
import { OID } from '../tls/x509/name.ts';
import { signDer, signatureAlgorithm, spkiDer } from './keys.ts';
import type { SanEntry } from './san.ts';

export type CertKind = 'ca' | 'intermediate' | 'server' | 'client';

interface Profile {
  ca: boolean;
  /** pathLenConstraint for CA certificates (an intermediate signs leaves only) */
  pathLen?: number;
  usage: number;
  eku?: string[];
}

const PROFILES: Record<CertKind, Profile> = {
  ca: { ca: true, usage: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign },
  intermediate: { ca: true, pathLen: 0, usage: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign },
  server: { ca: false, usage: KeyUsageFlags.digitalSignature, eku: [EKU.serverAuth] },
  client: { ca: false, usage: KeyUsageFlags.digitalSignature, eku: [EKU.clientAuth] },
};

export interface Signer {
  /** undefined: self-signed (the subject signs with its own key) */
  cert: X509Certificate | undefined;
  key: KeyObject;
}

export interface CertSpec {
  kind: CertKind;
  cn: string;
  /** the subject's key (private or public) */
  subjectKey: KeyObject;
  signer: Signer;
  notBefore: Date;
  notAfter: Date;
  san?: readonly SanEntry[];
  /** replaces the profile's extendedKeyUsage (tests build wrong-purpose certificates with it) */
  eku?: string[];
  /** content octets of a positive INTEGER; random when absent */
  serial?: Uint8Array;
}

/** 16 random bytes, first byte 0x01..0x7f: positive and minimally encoded as DER demands. */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b;
}

export function nameWithCn(cn: string): Name {
  const atv = new AttributeTypeAndValue({ type: OID.CN, value: new AttributeValue({ utf8String: cn }) });
  return new Name([new RelativeDistinguishedName([atv])]);
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (what OpenSSL's `hash` puts there too). */
export function keyIdentifier(key: KeyObject): Buffer {
  const spki = AsnConvert.parse(spkiDer(key), SubjectPublicKeyInfo);
  return createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
}

/** The issuer's own subjectKeyIdentifier when it has one (AKI must match it byte for byte), else computed. */
function issuerKeyId(signer: Signer): Buffer {
  if (signer.cert) {
    const tbs = AsnConvert.parse(signer.cert.raw, Certificate).tbsCertificate;
    const ski = tbs.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
    if (ski) return Buffer.from(AsnConvert.parse(ski.extnValue.buffer, SubjectKeyIdentifier).buffer);
    return keyIdentifier(signer.cert.publicKey);
  }
  return keyIdentifier(signer.key);
}

/** RSA leaves may also meet TLS 1.2 clients that encrypt the pre-master secret to the key */
function leafUsage(profile: Profile, key: KeyObject): number {
  return !profile.ca && key.asymmetricKeyType === 'rsa' ? profile.usage | KeyUsageFlags.keyEncipherment : profile.usage;
}

function ext(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function generalName(e: SanEntry): GeneralName {
  return e.type === 'dns' ? new GeneralName({ dNSName: e.value }) : new GeneralName({ iPAddress: e.value });
}

export function buildCert(spec: CertSpec): Buffer {
  const profile = PROFILES[spec.kind];
  const subject = nameWithCn(spec.cn);
  // the issuer name is copied byte for byte: chain building compares it with the issuer's subject
  const issuer = spec.signer.cert ? AsnConvert.parse(spec.signer.cert.raw, Certificate).tbsCertificate.subject : subject;
  const exts: Extension[] = [
    ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: profile.ca, pathLenConstraint: profile.pathLen })),
    ext(id_ce_keyUsage, true, new KeyUsage(leafUsage(profile, spec.subjectKey))),
  ];
  const eku = spec.eku ?? profile.eku;
  if (eku) exts.push(ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage(eku)));
  if (spec.san && spec.san.length > 0) exts.push(ext(id_ce_subjectAltName, false, new SubjectAlternativeName(spec.san.map(generalName))));
  exts.push(ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(spec.subjectKey))));
  exts.push(ext(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuerKeyId(spec.signer)) })));

  const sigAlg = signatureAlgorithm(spec.signer.key);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(spec.serial ?? randomSerial()).buffer,
    signature: sigAlg,
    issuer,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(spkiDer(spec.subjectKey), SubjectPublicKeyInfo),
    extensions: new Extensions(exts),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: sigAlg,
    signatureValue: new Uint8Array(signDer(tbsDer, spec.signer.key)).buffer,
  });
  return Buffer.from(AsnConvert.serialize(cert));
}
