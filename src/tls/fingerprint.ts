/**
 * trusted-keys() / trusted-fingerprints() values: `ALG:HH:HH:…`. syslog-ng
 * compares them as exact strings against `<ALG upper-case>:<HEX upper-case>`,
 * so a lower-case entry never matches (kept that way on purpose, and warned about).
 */
import { createHash, getHashes } from 'node:crypto';

export interface FingerprintEntry {
  /** as written */
  text: string;
  /** Node digest name */
  alg: string;
}

const ALIASES: Record<string, string> = {
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha2-224': 'sha224',
  'sha-1': 'sha1',
};

let known: Set<string> | undefined;

/** Maps an algorithm name as a user writes it to Node's digest name, or undefined. */
export function digestName(alg: string): string | undefined {
  known ??= new Set(getHashes().map((h) => h.toLowerCase()));
  const a = ALIASES[alg.toLowerCase()] ?? alg.toLowerCase();
  return known.has(a) && !a.includes('with') && !a.startsWith('rsa-') ? a : undefined;
}

/** The canonical label OpenSSL's short name gives: `SHA1`, `SHA256`, `SHA3-256`. */
export function canonicalAlg(nodeAlg: string): string {
  return nodeAlg.toUpperCase();
}

export function fingerprintOf(der: Uint8Array, nodeAlg: string): string {
  const hex = createHash(nodeAlg).update(der).digest('hex').toUpperCase();
  return canonicalAlg(nodeAlg) + ':' + hex.replace(/(..)(?!$)/g, '$1:');
}

/**
 * Validates the list (config time). Throws with syslog-ng's own wording for a
 * missing or unknown algorithm.
 */
export function parseFingerprints(list: readonly string[]): FingerprintEntry[] {
  return list.map((text) => {
    const colon = text.indexOf(':');
    const alg = colon < 0 ? text : text.slice(0, colon);
    if (/^[0-9a-fA-F]{2}$/.test(alg)) {
      throw new Error(
        `The fingerprint argument to trusted-keys() / trusted-fingerprints() must start with the digest algorithm (e.g. SHA256); digest='${text}'`,
      );
    }
    const nodeAlg = digestName(alg);
    if (!nodeAlg) {
      throw new Error(`Error validating trusted-keys() / trusted-fingerprints(), unknown digest algorithm specified; fingerprint-alg='${alg}'`);
    }
    return { text, alg: nodeAlg };
  });
}

/** Entries that can never match because of case (the docs' lower-case example): for a warning. */
export function neverMatching(list: readonly FingerprintEntry[]): string[] {
  return list.filter((e) => e.text !== e.text.toUpperCase() || !e.text.startsWith(canonicalAlg(e.alg) + ':')).map((e) => e.text);
}

/** The listed string that equals the certificate's fingerprint, if any (exact comparison). */
export function matchFingerprint(der: Uint8Array, list: readonly FingerprintEntry[]): string | undefined {
  const cache = new Map<string, string>();
  for (const e of list) {
    let fp = cache.get(e.alg);
    if (fp === undefined) {
      fp = fingerprintOf(der, e.alg);
      cache.set(e.alg, fp);
    }
    if (fp === e.text) return e.text;
  }
  return undefined;
}
