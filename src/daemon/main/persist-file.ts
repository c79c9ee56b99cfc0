/**
 * The persist file's format: what survives a restart (today, each file()
 * source's position), keyed by syslog-ng's persist names. JSON, so a person
 * can read it, with a format name and a version first, so a later logferry
 * can read an older file and an older one refuses a newer file instead of
 * misreading it. Written whole to a temporary file, fsynced and renamed over
 * the old one, so a crash leaves either the old or the new file, never half.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FilePosition } from '../../sources/file-position.ts';
import type { PositionMap } from '../protocol.ts';
import { isCursorPosition } from '../../sources/cursor-state.ts';

export const PERSIST_FORMAT = 'logferry-persist';
export const PERSIST_VERSION = 1;

/** The default when -R is not given: beside the configuration file (see docs/cli.md). */
export function defaultPersistFile(cfgfile: string): string {
  const dir = path.dirname(path.resolve(cfgfile));
  const base = path.basename(cfgfile).replace(/\.conf$/, '');
  return path.join(dir, `${base}.persist`);
}

export type LoadResult =
  | { ok: true; entries: PositionMap }
  /** `aside`: where the unusable file was moved (undefined: it was left in place) */
  | { ok: false; entries: PositionMap; reason: string; aside: string | undefined };

/** Reads the persist file; a missing file is an empty one. Never throws. */
export function loadPersistFile(file: string): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { ok: true, entries: {} };
    return { ok: false, entries: {}, reason: `cannot read it (${e.code ?? e.message})`, aside: undefined };
  }
  const reason = problemWith(text);
  if (typeof reason !== 'string') return { ok: true, entries: reason };
  return { ok: false, entries: {}, reason, aside: moveAside(file) };
}

/** The entries, or why the text is not a persist file this logferry can read. */
function problemWith(text: string): PositionMap | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'it is not valid JSON (corrupt or truncated)';
  }
  if (!isObject(doc) || doc.format !== PERSIST_FORMAT) return `it is not a logferry persist file (no "format": "${PERSIST_FORMAT}")`;
  const v = doc.version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return `its version ${JSON.stringify(v)} is not a version logferry knows`;
  if (v > PERSIST_VERSION) return `it was written by a newer logferry (format version ${v}; this one reads version ${PERSIST_VERSION})`;
  if (!isObject(doc.entries)) return 'it has no "entries" object';
  const out: PositionMap = {};
  for (const [key, e] of Object.entries(doc.entries)) {
    // a journal or /dev/kmsg source resumes from a cursor (sources/cursor-state.ts)
    if (isCursorPosition(e)) {
      out[key] = { cursor: e.cursor };
      continue;
    }
    if (!isPosition(e)) return `its entry ${JSON.stringify(key)} is not {pos, inode, size} as whole numbers, nor {cursor}`;
    out[key] = { pos: e.pos, inode: e.inode, size: e.size };
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPosition(v: unknown): v is FilePosition {
  if (!isObject(v)) return false;
  return [v.pos, v.inode, v.size].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0);
}

/** Keeps an unusable file for a person to look at; the next save would otherwise overwrite it. */
function moveAside(file: string): string | undefined {
  const aside = `${file}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    fs.renameSync(file, aside);
    return aside;
  } catch {
    return undefined;
  }
}

/** The file's text for these entries. */
export function formatPersistFile(entries: PositionMap): string {
  const sorted: PositionMap = {};
  for (const k of Object.keys(entries).sort()) sorted[k] = entries[k];
  return JSON.stringify({ format: PERSIST_FORMAT, version: PERSIST_VERSION, entries: sorted }, null, 2) + '\n';
}

/** Replaces the file atomically: temporary file, fsync, rename, fsync of the directory. Throws on failure. */
export function writePersistFile(file: string, entries: PositionMap): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, formatPersistFile(entries));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(path.dirname(file));
}

/** Makes the rename itself durable; not every file system lets a directory be opened for this. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
