/**
 * What the persist file reports: each one event (core/telemetry.ts), so its
 * line and its counter come from one call.
 */
import { defineEvent } from '../../core/telemetry.ts';

export const persistFileUnusable = defineEvent<{ filename: string; reason: string; aside: string | undefined }>({
  name: 'persist_file_unusable',
  level: 'error',
  text: 'The persist file cannot be used; file() sources start from their configured start',
  counter: 'persist_file_unusable_total',
  labels: () => ({}),
  tags: ({ filename, reason, aside }) => ({ filename, reason, ...(aside ? { kept_as: aside } : {}) }),
});

export const persistFileSaveFailed = defineEvent<{ filename: string; error: string }>({
  name: 'persist_file_save_failed',
  level: 'error',
  text: 'Cannot write the persist file; file() sources would re-read from older positions after a restart',
  counter: 'persist_file_save_failures_total',
  labels: () => ({}),
  tags: ({ filename, error }) => ({ filename, error }),
});

export const persistFileSaveRecovered = defineEvent<{ filename: string }>({
  name: 'persist_file_save_recovered',
  level: 'notice',
  text: 'The persist file is written again',
  counter: 'persist_file_save_recoveries_total',
  labels: () => ({}),
  tags: ({ filename }) => ({ filename }),
});
