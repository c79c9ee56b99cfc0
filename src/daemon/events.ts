/**
 * What the daemon reports about itself: each happening one event
 * (core/telemetry.ts). A stop ends with exactly one of the two below, so an
 * operator reads in one line whether everything that was read got written.
 */
import { defineEvent } from '../core/telemetry.ts';

export interface StopReport {
  /** messages the sources handed to the log paths since start */
  read: number;
  /** messages read but not written, over all destinations */
  lost: number;
  /** how long the destinations had to write what was read */
  deadlineMs: number;
  /** per destination: `name: N written, M lost (Q unwritten at the deadline, D dropped while stopping)` */
  perDestination: string;
}

const tags = ({ read, lost, deadlineMs, perDestination }: StopReport) => ({ read, lost, deadline_ms: deadlineMs, destinations: perDestination });

export const stopFlushed = defineEvent<StopReport>({
  name: 'stop_flushed',
  level: 'notice',
  text: 'Stopped reading and wrote every message read',
  counter: 'stops_flushed_total',
  labels: () => ({}),
  tags,
});

export const stopLostMessages = defineEvent<StopReport>({
  name: 'stop_lost_messages',
  level: 'warning',
  text: 'Stopped reading; messages read but not written by the deadline are lost',
  counter: 'stops_with_lost_messages_total',
  labels: () => ({}),
  tags,
});
