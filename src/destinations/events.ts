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
