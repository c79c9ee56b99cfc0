/**
 * What file() sources report about their saved positions: each one event
 * (core/telemetry.ts), so its line and its counter come from one call.
 */
import { defineEvent } from '../core/telemetry.ts';

export const filePositionReset = defineEvent<{ source: string; filename: string; stored: { pos: number; inode: number; size: number }; inode: number; size: number }>({
  name: 'file_position_reset',
  level: 'notice',
  text: 'The file was rotated or truncated since its position was saved; reading it from the start',
  counter: 'file_position_resets_total',
  labels: ({ source }) => ({ source }),
  tags: ({ filename, stored, inode, size }) => ({
    filename,
    stored_inode: stored.inode,
    cur_file_inode: inode,
    stored_size: stored.size,
    cur_file_size: size,
    raw_stream_pos: stored.pos,
  }),
});
