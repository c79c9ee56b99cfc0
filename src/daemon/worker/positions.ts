/**
 * The worker's side of the persist file: hands saved positions to the file()
 * sources it built, and collects where they are now, as plain data.
 */
import type { SourceDriver } from '../../pipeline/types.ts';
import { FileSource } from '../../sources/file.ts';
import type { PositionMap } from '../protocol.ts';
import { isCursorPosition, isCursorSource } from '../../sources/cursor-state.ts';

export function restorePositions(sources: SourceDriver[], saved: PositionMap | undefined): void {
  if (!saved) return;
  for (const s of sources) {
    if (isCursorSource(s)) {
      const cursors: Record<string, string> = {};
      for (const [k, v] of Object.entries(saved)) if (isCursorPosition(v)) cursors[k] = v.cursor;
      s.resumeCursors(cursors);
      continue;
    }
    if (!(s instanceof FileSource)) continue;
    const p = saved[s.persistKey];
    if (p && !isCursorPosition(p)) s.resumeFrom(p);
  }
}

export function collectPositions(sources: SourceDriver[]): PositionMap {
  const out: PositionMap = {};
  for (const s of sources) {
    if (isCursorSource(s)) {
      for (const [k, cursor] of Object.entries(s.cursorState())) out[k] = { cursor };
      continue;
    }
    if (!(s instanceof FileSource)) continue;
    const p = s.position();
    if (p) out[s.persistKey] = { ...p };
  }
  return out;
}
