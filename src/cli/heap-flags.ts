/**
 * V8 heap settings for the long-running processes (the daemon, quickstart), given on the
 * command line of the start-up re-execution (openssl-config.ts) because V8 reads them only when
 * its heap is created.
 *
 * Why: under a sustained flood V8 grows its young generation to its largest size (2 x 64 MiB
 * semi-spaces on a machine with plenty of memory), so a daemon whose queues are bounded still
 * grew by 120 MiB of nursery. Two 16 MiB semi-spaces keep that growth near 30 MiB; scavenges get
 * more frequent, but each stays short, and what a flood promotes (queued messages) is what the
 * queues bound anyway. A user's own setting wins.
 */

export const SEMI_SPACE_FLAG = '--max-semi-space-size=16';

/** the flags to add to a re-execution, given the process's own flags and NODE_OPTIONS */
export function heapFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = (a: string) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(a);
  if (execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given)) return [];
  return [SEMI_SPACE_FLAG];
}
