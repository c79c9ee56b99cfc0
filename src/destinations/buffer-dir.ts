/**
 * Where a destination's disk buffer lives: `<base>/lfbuf-<name>-<hash>`,
 * base being dir() or the persist file's directory. The name is the
 * destination's (with `#i` for its i-th driver when it has several), so a
 * restart or a reload that changes the destination's settings finds the same
 * buffer, and two destinations never share one. Characters other than
 * letters, digits, `_`, `.` and `-` become `_`; the hash (8 hex digits of
 * SHA-256 of the exact name) keeps names that differ only there apart.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export function bufferDirName(destination: string): string {
  const safe = destination.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
  const hash = createHash('sha256').update(destination).digest('hex').slice(0, 8);
  return `lfbuf-${safe}-${hash}`;
}

export function bufferDir(base: string, destination: string): string {
  return join(base, bufferDirName(destination));
}
