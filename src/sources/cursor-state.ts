/**
 * Sources that resume from a cursor string rather than a file offset: the
 * journal (journalctl's __CURSOR) and /dev/kmsg (boot id and sequence number).
 * The persist file keeps them as `{ "cursor": "…" }` under syslog-ng's
 * persist names, beside file() positions.
 */
export interface CursorPosition {
  cursor: string;
  /** never set: lets code that reads file positions (`entry.pos`) read either kind */
  pos?: undefined;
}

export interface CursorSource {
  /** the cursors of every message acknowledged so far, by persist name */
  cursorState(): Record<string, string>;
  /** before start(): continue after these cursors */
  resumeCursors(saved: Readonly<Record<string, string>>): void;
}

export function isCursorSource(s: object): s is CursorSource {
  return typeof (s as Partial<CursorSource>).cursorState === 'function' && typeof (s as Partial<CursorSource>).resumeCursors === 'function';
}

export function isCursorPosition(v: unknown): v is CursorPosition {
  return typeof v === 'object' && v !== null && typeof (v as { cursor?: unknown }).cursor === 'string' && Object.keys(v).length === 1;
}
