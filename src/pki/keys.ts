/**
 * Key pairs for the PKI engine, made and used with node:crypto only. EC
 * P-256 is the default: small keys, fast handshakes, and every OpenSSL that
 * syslog-ng 3.x links against accepts it; RSA is 3072 bits, the size with the
 * same strength as P-256 (2048 is accepted when reading existing keys).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { writePrivate } from './files.ts';

export type KeyKind = 'ec' | 'rsa';

export const KEY_KINDS: readonly KeyKind[] = ['ec', 'rsa'];

const RSA_BITS = 3072;
const MIN_RSA_BITS = 2048;

export function generateKey(kind: KeyKind): KeyObject {
  const pair = kind === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  return pair.privateKey;
}

/** PKCS#8 PEM, readable only by the owner. */
export function writeKey(path: string, key: KeyObject): void {
  writePrivate(path, key.export({ type: 'pkcs8', format: 'pem' }) as string);
}

export function readKey(path: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new Error(`${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path, or make the CA first with 'logferry cert init-ca'`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new Error(`${path} holds no unencrypted private key; give the PEM key that belongs to the certificate`);
  }
  usableKey(key, path);
  return key;
}

function usableKey(key: KeyObject, path: string): void {
  const t = key.asymmetricKeyType;
  if (t === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new Error(`${path} is an RSA key shorter than ${MIN_RSA_BITS} bits; make a new one (--key rsa makes ${RSA_BITS} bits)`);
  }
  if (t !== 'rsa' && t !== 'ec') throw new Error(`${path} is a ${t} key; the CA key must be EC or RSA`);
}

/** SubjectPublicKeyInfo DER of a private or public key. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** The signature algorithm a signer's key implies: SHA-256 (SHA-384/512 for the larger curves). */
function digestFor(key: KeyObject): string {
  if (key.asymmetricKeyType !== 'ec') return 'sha256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === 'secp384r1' ? 'sha384' : curve === 'secp521r1' ? 'sha512' : 'sha256';
}

const EC_SIG: Record<string, string> = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' };
const RSA_SHA256 = '1.2.840.113549.1.1.11';
/** DER NULL: RSA signature identifiers carry explicit NULL parameters (RFC 4055) */
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;

export function signatureAlgorithm(signer: KeyObject): AlgorithmIdentifier {
  if (signer.asymmetricKeyType === 'ec') return new AlgorithmIdentifier({ algorithm: EC_SIG[digestFor(signer)] });
  return new AlgorithmIdentifier({ algorithm: RSA_SHA256, parameters: DER_NULL });
}

/** Signs DER bytes the way the algorithm identifier above says (ECDSA as a DER SEQUENCE, RSA PKCS#1 v1.5). */
export function signDer(tbs: Uint8Array, signer: KeyObject): Buffer {
  return sign(digestFor(signer), tbs, signer);
}

/** The private key belongs to the public key (compared as SubjectPublicKeyInfo). */
export function keyMatches(privateKey: KeyObject, publicKey: KeyObject): boolean {
  return spkiDer(privateKey).equals(spkiDer(publicKey));
}
