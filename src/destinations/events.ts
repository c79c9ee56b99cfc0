/**
 * What destinations report: each happening one event (core/telemetry.ts), so
 * its log line and its counter come from one call. `destination` (the
 * configured name) is the only label.
 */
import { defineEvent } from '../core/telemetry.ts';

/**
 * Messages of paths without flow control dropped because the destination's
 * queue held log-fifo-size() of them: one line per interval while drops go on
 * (core/interval-tally.ts), the counter growing by each line's count.
 */
export const messageDropped = defineEvent<{ destination: string; dropped: number; total: number; fifoSize: number; queueLen: number }>({
  name: 'message_dropped',
  level: 'warning',
  text: 'Destination queue full, messages dropped',
  counter: 'dropped_messages_total',
  labels: ({ destination }) => ({ destination }),
  amount: ({ dropped }) => dropped,
  tags: ({ destination, dropped, total, fifoSize, queueLen }) => ({ destination, dropped, dropped_total: total, log_fifo_size: fifoSize, queue_len: queueLen }),
});

/**
 * Messages of paths without flow control dropped because the disk buffer
 * held disk-buf-size() bytes (flow-controlled ones wait instead): one line
 * per interval, counted with the memory queue's drops.
 */
export const diskBufferFullDropped = defineEvent<{ destination: string; dropped: number; total: number; diskBufSize: number; records: number }>({
  name: 'disk_buffer_full_dropped',
  level: 'warning',
  text: 'Destination disk buffer full, messages dropped',
  counter: 'dropped_messages_total',
  labels: ({ destination }) => ({ destination }),
  amount: ({ dropped }) => dropped,
  tags: ({ destination, dropped, total, diskBufSize, records }) => ({ destination, dropped, dropped_total: total, disk_buf_size: diskBufSize, queued_records: records }),
});

/** The disk buffer could not be written (disk full, I/O error): what follows is dropped until a restart. */
export const diskBufferFailed = defineEvent<{ destination: string; error: string }>({
  name: 'disk_buffer_failed',
  level: 'error',
  text: 'Destination disk buffer cannot be written; messages are dropped until logferry is restarted',
  counter: 'disk_buffer_failures_total',
  labels: ({ destination }) => ({ destination }),
  tags: ({ destination, error }) => ({ destination, error }),
});
