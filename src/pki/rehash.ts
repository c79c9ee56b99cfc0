/**
 * `openssl rehash DIR` in TypeScript: the same file selection, the same
 * `<hash>.N` / `<hash>.rN` symlinks with the same numbers, the same reuse of
 * links already there and the same removal of links nothing needs. The
 * numbering rules matter because OpenSSL's lookup stops at the first missing
 * number: a CA directory is only as good as its names.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseCert } from '../tls/x509/cert.ts';
import { parseCrl } from '../tls/x509/crl.ts';
import { pemBlocks } from '../tls/x509/pem.ts';

/** OpenSSL reads only files with these extensions (any case) */
const EXTENSIONS = ['pem', 'crt', 'cer', 'crl'];
const CERT_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'];
const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'DSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'ANY PRIVATE KEY'];
/** OpenSSL's limit of certificates (or CRLs) with one hash in one directory */
const MAX_COLLISIONS = 256;
/** `unsigned short old_id = ~0`: no link yet */
const NO_ID = 0xffff;

type Kind = 'cert' | 'crl';

interface Entry {
  /** the link target: a file name in the directory, or what an existing link points at */
  target: string;
  oldId: number;
  needed: boolean;
  digest: Buffer | undefined;
}

interface Bucket {
  kind: Kind;
  hash: number;
  entries: Entry[];
  needed: number;
}

export interface RehashResult {
  /** links now present that this run made or kept: name → target */
  links: Array<{ name: string; target: string; made: boolean }>;
  removed: string[];
  warnings: string[];
}

const LINK_NAME = /^([0-9a-fA-F]{8})\.([rR]?)(\d*)$/;

export function linkName(kind: Kind, hash: number, id: number): string {
  return hash.toString(16).padStart(8, '0') + '.' + (kind === 'crl' ? 'r' : '') + id;
}

/** PEM_X509_INFO_read_bio's grouping: a new group starts when the slot a block fills is taken. */
function pemInfos(text: string): Array<{ cert?: Buffer; crl?: Buffer; key?: boolean }> {
  const out: Array<{ cert?: Buffer; crl?: Buffer; key?: boolean }> = [];
  let cur: { cert?: Buffer; crl?: Buffer; key?: boolean } = {};
  const push = () => {
    if (cur.cert || cur.crl || cur.key) out.push(cur);
    cur = {};
  };
  for (const b of pemBlocks(text)) {
    if (CERT_LABELS.includes(b.label)) {
      if (cur.cert) push();
      cur.cert = b.der;
    } else if (b.label === 'X509 CRL') {
      if (cur.crl) push();
      cur.crl = b.der;
    } else if (KEY_LABELS.includes(b.label)) {
      if (cur.key) push();
      cur.key = true;
    }
  }
  push();
  return out;
}

export function rehash(dir: string): RehashResult {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`${dir} cannot be rehashed: it is not a directory this user can write to; check the path and its permissions`);
  }
  const result: RehashResult = { links: [], removed: [], warnings: [] };
  const buckets = new Map<string, Bucket>();

  const add = (kind: Kind, hash: number, target: string, digest: Buffer | undefined, oldId: number, file: string): void => {
    const key = `${kind}:${hash}`;
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { kind, hash, entries: [], needed: 0 }));
    let found: Entry | undefined;
    for (const e of b.entries) {
      if (digest && e.digest && digest.equals(e.digest)) {
        result.warnings.push(`skipping duplicate ${kind === 'cert' ? 'certificate' : 'CRL'} in ${file}`);
        return;
      }
      if (e.target === target) {
        found = e;
        if (!digest) break;
      }
    }
    if (!found) {
      if (b.needed >= MAX_COLLISIONS) {
        result.warnings.push(`too many certificates or CRLs with hash ${hash.toString(16).padStart(8, '0')}: ${file} left out`);
        return;
      }
      found = { target, oldId: NO_ID, needed: false, digest: undefined };
      b.entries.push(found);
    }
    if (oldId < found.oldId) found.oldId = oldId;
    if (digest && !found.needed) {
      found.needed = true;
      found.digest = digest;
      b.needed++;
    }
  };

  // byte order, as OpenSSL sorts the names before reading them
  const names = readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const full = join(dir, name);
    let st;
    try {
      st = lstatSync(full);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      const m = LINK_NAME.exec(name);
      if (m) {
        let target: string | undefined;
        try {
          target = readlinkSync(full);
        } catch {
          target = undefined;
        }
        if (target !== undefined) {
          const id = m[3] === '' ? 0 : Number(m[3]) & 0xffff;
          add(m[2] === '' ? 'cert' : 'crl', parseInt(m[1], 16), target, undefined, id, name);
          continue;
        }
      }
    }
    hashFile(dir, name, add, result);
  }

  for (const b of buckets.values()) {
    const taken = new Set<number>();
    for (const e of b.entries) if (e.oldId < b.needed) taken.add(e.oldId);
    let next = 0;
    for (const e of b.entries) {
      if (e.oldId < b.needed) {
        // OpenSSL keeps such a link as it is, even one nothing needs any more
        result.links.push({ name: linkName(b.kind, b.hash, e.oldId), target: e.target, made: false });
      } else if (e.needed) {
        while (taken.has(next)) next++;
        const name = linkName(b.kind, b.hash, next);
        const path = join(dir, name);
        try {
          unlinkSync(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') result.warnings.push(`cannot remove ${name}: ${(err as Error).message}`);
        }
        try {
          symlinkSync(e.target, path);
          result.links.push({ name, target: e.target, made: true });
        } catch (err) {
          result.warnings.push(`cannot link ${name} to ${e.target}: ${(err as Error).message}`);
        }
        taken.add(next);
      } else {
        const name = linkName(b.kind, b.hash, e.oldId);
        try {
          unlinkSync(join(dir, name));
          result.removed.push(name);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') result.warnings.push(`cannot remove ${name}: ${(err as Error).message}`);
        }
      }
    }
  }
  return result;
}

function hashFile(
  dir: string,
  name: string,
  add: (kind: Kind, hash: number, target: string, digest: Buffer, oldId: number, file: string) => void,
  result: RehashResult,
): void {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || !EXTENSIONS.includes(name.slice(dot + 1).toLowerCase())) return;
  let text: string;
  try {
    text = readFileSync(join(dir, name), 'latin1');
  } catch {
    result.warnings.push(`skipping ${name}: it cannot be read`);
    return;
  }
  const infos = pemInfos(text);
  if (infos.length !== 1) {
    result.warnings.push(`skipping ${name}: it does not hold exactly one certificate or CRL`);
    return;
  }
  const info = infos[0];
  try {
    if (info.cert) {
      const c = parseCert(info.cert);
      add('cert', parseInt(c.subjectHash, 16), name, createHash('sha1').update(info.cert).digest(), NO_ID, name);
    } else if (info.crl) {
      const c = parseCrl(info.crl, name);
      add('crl', parseInt(c.issuerHash, 16), name, createHash('sha1').update(info.crl).digest(), NO_ID, name);
    } else {
      result.warnings.push(`skipping ${name}: it holds a key but no certificate or CRL`);
    }
  } catch (e) {
    result.warnings.push(`skipping ${name}: ${(e as Error).message}`);
  }
}
