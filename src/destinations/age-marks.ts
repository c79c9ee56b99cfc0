/**
 * When the oldest record still waiting in a disk buffer came in, for the
 * "oldest queued message age" metric, without a timestamp per record: one
 * mark per durable batch (its last sequence number and the time), dropped
 * as acknowledgements pass it. Records kept from before a start get the
 * start's time (they are at least that old).
 */
export class AgeMarks {
  private marks: Array<{ seq: number; at: number }> = [];
  private head = 0;

  /** records up to `seq` were appended by `at` (ms since the epoch) */
  mark(seq: number, at: number): void {
    const last = this.marks[this.marks.length - 1];
    if (last && last.seq >= seq) return;
    this.marks.push({ seq, at });
  }

  /** records up to `seq` left the buffer */
  release(seq: number): void {
    while (this.head < this.marks.length && this.marks[this.head].seq <= seq) this.head++;
    if (this.head > 1024 && this.head * 2 > this.marks.length) {
      this.marks = this.marks.slice(this.head);
      this.head = 0;
    }
  }

  /** the time of the oldest mark still waiting; 0 when none */
  oldest(): number {
    return this.head < this.marks.length ? this.marks[this.head].at : 0;
  }
}
