/** Writing PKI files: keys private from the first byte, nothing half-written left behind. */
import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/** Writes through a temporary name then renames, so a reader never sees half a file. */
function atomicWrite(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  // the umask may have taken bits away from (or the file may pre-exist with) a different mode
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

export function writePrivate(path: string, data: string | Uint8Array): void {
  atomicWrite(path, data, 0o600);
}

export function writePublic(path: string, data: string | Uint8Array): void {
  atomicWrite(path, data, 0o644);
}
