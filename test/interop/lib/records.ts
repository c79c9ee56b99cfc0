/**
 * Cutting the daemons' outputs into per-input record groups and comparing two daemons' groups.
 *
 * Every input is followed on the wire by a sync message whose MSG is `SYNC-<input id>`; whatever
 * a daemon wrote between two syncs belongs to the input before the second one. That survives a
 * daemon dropping an input, splitting it in two or producing an error message instead, without
 * one difference shifting every later comparison.
 */

export const FIELD_SEP = '<|>';
export const RECORD_END = '<#END#>\n';
export const SYNC_PROGRAM = 'lfsync';

export function syncMsg5424(id: string): Buffer {
  return Buffer.from(`<14>1 2001-01-01T00:00:00+00:00 ${SYNC_PROGRAM} ${SYNC_PROGRAM} - SYNC - SYNC-${id}`);
}
export function syncMsg3164(id: string): Buffer {
  return Buffer.from(`<14>Jan  1 00:00:00 ${SYNC_PROGRAM} ${SYNC_PROGRAM}: SYNC-${id}`);
}

/** file() output → records (latin1 text, byte exact), terminator removed. */
export function splitRecords(out: Buffer): string[] {
  const recs = out.toString('latin1').split(RECORD_END);
  recs.pop();
  return recs;
}

/** Octet-counted stream (`LEN SP MSG`...) → frames (latin1 text). Throws on a malformed header. */
export function splitFrames(buf: Buffer): string[] {
  const frames: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const sp = buf.indexOf(0x20, pos);
    const len = sp === -1 ? NaN : Number(buf.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || sp - pos > 10 || sp + 1 + len > buf.length) {
      throw new Error(`bad octet-count frame at byte ${pos}: ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
    }
    frames.push(buf.toString('latin1', sp + 1, sp + 1 + len));
    pos = sp + 1 + len;
  }
  return frames;
}

/**
 * Groups `items` by the sync item that follows them. `syncId` returns the input id for a sync
 * item, undefined for others. Items after the last sync are returned under `trailing`.
 */
export function groupBySync(items: string[], syncId: (item: string) => string | undefined): { groups: Map<string, string[]>; trailing: string[] } {
  const groups = new Map<string, string[]>();
  let cur: string[] = [];
  for (const it of items) {
    const id = syncId(it);
    if (id === undefined) {
      cur.push(it);
    } else {
      // every sync is sent once: a second one means the daemon duplicated (or replayed) input
      if (groups.has(id)) throw new Error(`sync ${id} arrived twice: the output holds duplicated records`);
      groups.set(id, cur);
      cur = [];
    }
  }
  return { groups, trailing: cur };
}

/** A sync record of the file template (PROGRAM first, MSG second) → its input id. */
export function recordSyncId(rec: string): string | undefined {
  const prefix = `${SYNC_PROGRAM}${FIELD_SEP}SYNC-`;
  if (!rec.startsWith(prefix)) return undefined;
  const end = rec.indexOf(FIELD_SEP, prefix.length);
  return end === -1 ? undefined : rec.slice(prefix.length, end);
}

/** A sync frame of a syslog() destination → its input id. */
export function frameSyncId(frame: string): string | undefined {
  const m = / lfsync lfsync - SYNC - SYNC-(\S+)\n?$/.exec(frame);
  return m === null ? undefined : m[1];
}

export function jsonish(s: string, max = 300): string {
  const j = JSON.stringify(s);
  return j.length > max ? `${j.slice(0, max)}…"` : j;
}
