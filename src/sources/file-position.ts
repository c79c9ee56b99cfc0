/**
 * Where a file() source is in its file, as the persist file keeps it: the
 * byte offset up to which every line was handed on and acknowledged, and the
 * inode and size that tell, after a restart, whether the file there is still
 * the one the offset belongs to (syslog-ng keeps the same three numbers).
 */

export interface FilePosition {
  /** byte offset of the first line not yet acknowledged */
  pos: number;
  /** inode of the file the offset belongs to */
  inode: number;
  /** bytes of that file known to exist (at least `pos`): a shorter file was truncated */
  size: number;
}

/** The persist name syslog-ng gives a file() source without persist-name() (affile_sd_curpos). */
export function filePersistKey(path: string): string {
  return `affile_sd_curpos(${path})`;
}

/**
 * Whether a stored position still applies to the file now at the path, as
 * syslog-ng decides it: same inode, and the file did not shrink below what
 * was known to be there. Otherwise it was rotated or truncated: read it from the start.
 */
export function resumeOffset(stored: FilePosition, inode: number, size: number): number | undefined {
  return stored.inode === inode && stored.size <= size && stored.pos <= size ? stored.pos : undefined;
}

interface Chunk {
  /** lines of this chunk routed but not yet acknowledged */
  open: number;
  /** true once every line of the chunk was routed */
  closed: boolean;
  /** file offset after the chunk's last complete line */
  end: number;
}

/**
 * Commits a file offset only when every line before it was acknowledged
 * (written by flow-controlled destinations; at once otherwise), so a crash
 * re-reads what was not yet written instead of losing it. Tracked per read
 * chunk: cheap, and acks may arrive in any order.
 */
export class PositionTracker {
  /** the committed offset */
  committed: number;
  private readonly chunks: Chunk[] = [];
  private current: Chunk | undefined;

  constructor(start: number) {
    this.committed = start;
  }

  /** a chunk is open: lines routed now are tracked by it */
  get inChunk(): boolean {
    return this.current !== undefined;
  }

  /** a chunk is about to be handed to the reader */
  begin(): void {
    this.current = { open: 0, closed: false, end: this.committed };
    this.chunks.push(this.current);
  }

  /** one line of the current chunk is routed; returns what its acknowledgement must call */
  routed(): () => void {
    const c = this.current;
    if (!c) return noop;
    c.open++;
    return () => {
      c.open--;
      this.settle();
    };
  }

  /** the chunk's complete lines were all routed; `end` is the offset after the last of them */
  end(end: number): void {
    const c = this.current;
    if (!c) return;
    c.end = end;
    c.closed = true;
    this.current = undefined;
    this.settle();
  }

  private settle(): void {
    while (this.chunks.length > 0 && this.chunks[0].closed && this.chunks[0].open === 0) {
      this.committed = Math.max(this.committed, this.chunks.shift()!.end);
    }
  }
}

function noop(): void {}
