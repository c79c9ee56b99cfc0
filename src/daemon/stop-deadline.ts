/**
 * How long destinations get to write what was read when the daemon stops
 * (its own module so --help can quote it without loading the daemon). With
 * the close grace after it (transport/connector.ts), a stop ends well
 * within 2 s of the signal.
 */
export const DEFAULT_STOP_DEADLINE_MS = 1000;
