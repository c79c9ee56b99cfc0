/**
 * The worker's side of the persist file: hands saved positions to the file()
 * sources it built, and collects where they are now, as plain data.
 */
import type { SourceDriver } from '../../pipeline/types.ts';
import { FileSource } from '../../sources/file.ts';
import type { PositionMap } from '../protocol.ts';

export function restorePositions(sources: SourceDriver[], saved: PositionMap | undefined): void {
  if (!saved) return;
  for (const s of sources) {
    if (!(s instanceof FileSource)) continue;
    const p = saved[s.persistKey];
    if (p) s.resumeFrom(p);
  }
}

export function collectPositions(sources: SourceDriver[]): PositionMap {
  const out: PositionMap = {};
  for (const s of sources) {
    if (!(s instanceof FileSource)) continue;
    const p = s.position();
    if (p) out[s.persistKey] = { ...p };
  }
  return out;
}
