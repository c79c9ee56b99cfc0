/**
 * What the disk buffer reports (core/telemetry.ts): each happening one line
 * and one counter. `buffer` (the buffer directory's configured owner, or its
 * path for the CLI) is the only label.
 */
import { defineEvent } from '../core/telemetry.ts';

/** A segment whose records fail their checks in the middle: renamed aside, reading goes on with the next. */
export const segmentQuarantined = defineEvent<{ buffer: string; file: string; movedTo: string; offset: number; reason: string; lostRecords: string }>({
  name: 'disk_buffer_segment_quarantined',
  level: 'error',
  text: 'Disk-buffer segment is corrupt; moved aside, reading goes on with the next segment',
  counter: 'disk_buffer_segments_quarantined_total',
  labels: ({ buffer }) => ({ buffer }),
  tags: ({ file, movedTo, offset, reason, lostRecords }) => ({ file, moved_to: movedTo, offset, reason, lost_records: lostRecords }),
});

/** A record the crash cut in half at the end of the last segment: cut away at start-up (never reported durable). */
export const tornTailCut = defineEvent<{ buffer: string; file: string; offset: number; bytes: number }>({
  name: 'disk_buffer_torn_tail_cut',
  level: 'notice',
  text: 'Disk-buffer last record was cut short by a crash; truncated it',
  counter: 'disk_buffer_torn_tails_total',
  labels: ({ buffer }) => ({ buffer }),
  tags: ({ file, offset, bytes }) => ({ file, offset, bytes }),
});
