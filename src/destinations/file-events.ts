/**
 * What file() destinations report when writing fails and when it works
 * again: each one event (core/telemetry.ts), so its line and its counter
 * come from one call. A failure is reported once until the file is written
 * again, however often the write is retried in between.
 */
import { defineEvent } from '../core/telemetry.ts';

export const fileWriteFailed = defineEvent<{ destination: string; filename: string; error: string; code: string | undefined; timeReopenMs: number }>({
  name: 'file_write_failed',
  level: 'error',
  text: 'Cannot write to the destination file; messages stay queued and the write is retried every time-reopen() seconds',
  counter: 'file_write_failures_total',
  labels: ({ destination }) => ({ destination }),
  tags: ({ destination, filename, error, timeReopenMs }) => ({ destination, filename, error, time_reopen: timeReopenMs / 1000 }),
});

export const fileWriteRecovered = defineEvent<{ destination: string; filename: string; failedForMs: number }>({
  name: 'file_write_recovered',
  level: 'notice',
  text: 'The destination file is written again',
  counter: 'file_write_recoveries_total',
  labels: ({ destination }) => ({ destination }),
  tags: ({ destination, filename, failedForMs }) => ({ destination, filename, failed_for: `${(failedForMs / 1000).toFixed(1)}s` }),
});
