/**
 * Runs the logferry daemon from source for integration and interop tests, exactly as syslog-ng is
 * run by peers.ts: `node src/cli/main.ts -F -e -f CFG -p PID -R PERSIST -c CTL` with its own temp
 * work dir, readiness by port connect (or a stderr line), stop by PID, stderr kept for failures.
 * Node runs the .ts entry point directly (type stripping), so `process.execPath` is used: the test
 * runner already is the right Node.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { isCi, REPO_ROOT, startSyslogNgCompatible, tempDir } from './peers.ts';
import { freePort } from './ports.ts';
import type { DaemonHandle, DaemonOptions } from './peers.ts';

export type { DaemonHandle, DaemonOptions } from './peers.ts';

export const LOGFERRY_MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');

/**
 * The command that runs logferry: `node src/cli/main.ts`, or LOGFERRY_CMD split at spaces (e.g.
 * `node dist/cli/main.js` for the built daemon; `syslog-ng --no-caps` runs the harness against
 * syslog-ng itself, which must then show no differences at all).
 */
export function logferryCommand(): string[] {
  const cmd = process.env.LOGFERRY_CMD?.trim();
  if (cmd) return cmd.split(/\s+/);
  return [process.execPath, LOGFERRY_MAIN];
}

/** True once the daemon's entry point exists (or LOGFERRY_CMD names another command). */
export function hasLogferry(): boolean {
  return Boolean(process.env.LOGFERRY_CMD?.trim()) || existsSync(LOGFERRY_MAIN);
}

/**
 * Value for node:test's `skip` for logferry-side tests. A missing entry point is a failure, not a
 * skip: the test runs and `startLogferry` says what is missing. Only an explicit
 * LOGFERRY_SKIP_DAEMON=1 (harness self-tests against syslog-ng alone) skips, and never under CI.
 */
export function skipUnlessLogferry(): string | false {
  return process.env.LOGFERRY_SKIP_DAEMON === '1' && !isCi() ? 'LOGFERRY_SKIP_DAEMON=1' : false;
}

/**
 * Starts logferry with `opts.config`. Ready when every `readyPorts` port accepts a connection;
 * without ports (a pure sender) when stderr shows `readyStderr` (default /starting up/, the
 * syslog-ng style startup notice).
 */
export async function startLogferry(opts: DaemonOptions): Promise<DaemonHandle> {
  if (!hasLogferry()) throw new Error(`logferry entry point ${LOGFERRY_MAIN} does not exist (set LOGFERRY_CMD to run another build)`);
  const readyStderr = opts.readyStderr ?? ((opts.readyPorts?.length ?? 0) === 0 ? /starting up/ : undefined);
  return startSyslogNgCompatible(logferryCommand(), { name: 'logferry', ...opts, readyStderr });
}

export interface SourceToFile {
  d: DaemonHandle;
  port: number;
  /** one line per message: its ${MSG} */
  out: string;
}

/**
 * A daemon with one source `s` on a free loopback port whose messages land as `${MSG}` lines in
 * `out`: the set-up of most daemon-level tests. Stopped, and its directory removed, when `t` ends.
 */
export async function startSourceToFile(
  t: TestContext,
  opts: { name: string; source: (port: number) => string; options?: string },
): Promise<SourceToFile> {
  const dir = tempDir(opts.name);
  t.after(() => dir.remove());
  const port = await freePort();
  const out = join(dir.path, 'out.log');
  const d = await startLogferry({
    config: `@version: 4.27
options { ${opts.options ?? 'use-dns(no);'} };
source s { ${opts.source(port)} };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`,
    readyPorts: [port],
  });
  t.after(() => d.stop());
  return { d, port, out };
}
