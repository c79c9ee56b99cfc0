/**
 * The daemon's own state that exists before the drop, handed to the user it
 * drops to. Disk buffers are opened while the worker starts, as root: their
 * directories (and the segments and lock inside) would stay root's, and the
 * first new segment after the drop would fail with EACCES, dropping messages.
 * syslog-ng does not meet this because it changes user before it opens
 * anything; logferry binds first, so it gives these back instead.
 *
 * Only logferry's own buffer directories (`lfbuf-*`, destinations/buffer-dir.ts)
 * are changed, never the base directory they sit in (it may be shared).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Plan } from '../../config/plan.ts';

/** the directories that hold disk buffers: each disk-buffer()'s dir(), else the persist file's directory */
export function bufferBases(plan: Plan, stateDir: string | undefined): string[] {
  const bases = new Set<string>();
  for (const d of plan.destinations.values()) {
    for (const drv of d.drivers) {
      const db = (drv.settings as unknown as { diskBuffer?: { dir?: string } }).diskBuffer;
      if (!db) continue;
      const base = db.dir ?? stateDir;
      if (base) bases.add(path.resolve(base));
    }
  }
  return [...bases];
}

function chownTree(p: string, uid: number, gid: number, done: string[]): void {
  fs.lchownSync(p, uid, gid);
  done.push(p);
  if (!fs.lstatSync(p).isDirectory()) return;
  for (const e of fs.readdirSync(p)) chownTree(path.join(p, e), uid, gid, done);
}

/** Gives every `lfbuf-*` tree under the bases to uid:gid; returns what was changed. Runs as root, before the drop. */
export function handOverBuffers(bases: readonly string[], uid: number, gid: number): string[] {
  const done: string[] = [];
  for (const base of bases) {
    let entries: string[];
    try {
      entries = fs.readdirSync(base);
    } catch {
      continue;
    }
    for (const e of entries) if (e.startsWith('lfbuf-')) chownTree(path.join(base, e), uid, gid, done);
  }
  return done;
}
