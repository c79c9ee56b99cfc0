/**
 * What destinations report: each happening one event (core/telemetry.ts), so
 * its log line and its counter come from one call. `destination` (the
 * configured name) is the only label.
 */
import { defineEvent } from '../core/telemetry.ts';

export const messageDropped = defineEvent<{ destination: string; queueLen: number; fifoSize: number }>({
  name: 'message_dropped',
  // per message while the queue is full: the counter is the signal, the line is for debugging
  level: 'debug',
  text: 'Destination queue full, dropping message',
  counter: 'dropped_messages_total',
  labels: ({ destination }) => ({ destination }),
  tags: ({ destination, queueLen, fifoSize }) => ({ queue_len: queueLen, log_fifo_size: fifoSize, persist_name: destination }),
});
