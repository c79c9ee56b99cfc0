/**
 * logferry needs OpenSSL settings that Node only reads at process start
 * (openssl/logferry.cnf: no TLS 1.3 session tickets). When started without
 * them, the process replaces itself with `node --openssl-config=… <same
 * script and arguments>` through execve(2): the PID stays the one the user
 * started, so pidfile, signals and our messages all name the daemon itself,
 * and no parent is left behind holding memory.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { heapFlags } from './heap-flags.ts';

/** the same relative path from src/cli/ and from dist/cli/ */
export const OPENSSL_CONFIG = fileURLToPath(new URL('../../openssl/logferry.cnf', import.meta.url));

/**
 * Holds the PID that already re-executed itself. execve keeps the PID, so a
 * match means "this very process was exec'ed once": never exec again (no
 * loop, even if Node ignored the flag). Children get other PIDs, so a
 * logferry started by the daemon (program(), tests) still re-executes.
 */
const MARK = 'LOGFERRY_REEXEC_PID';

/** True when the process runs with an --openssl-config of its own (ours or the user's). */
export function hasOpensslConfig(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = (a: string) => a === '--openssl-config' || a.startsWith('--openssl-config=');
  return execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given);
}

export type NoReexecReason = 'already-configured' | 'already-reexecuted' | 'no-config-file' | 'no-execve';

export type ReexecPlan =
  | { exec: false; reason: NoReexecReason }
  | { exec: true; file: string; args: string[]; env: NodeJS.ProcessEnv };

/** Pure: what start-up should do, from the process facts it is given. */
export function planReexec(p: {
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  pid: number;
  configFile: string;
  configExists: boolean;
  hasExecve: boolean;
}): ReexecPlan {
  if (hasOpensslConfig(p.execArgv, p.env.NODE_OPTIONS)) return { exec: false, reason: 'already-configured' };
  if (p.env[MARK] === String(p.pid)) return { exec: false, reason: 'already-reexecuted' };
  if (!p.configExists) return { exec: false, reason: 'no-config-file' };
  if (!p.hasExecve) return { exec: false, reason: 'no-execve' };
  return {
    exec: true,
    file: p.execPath,
    args: [p.execPath, ...p.execArgv, ...heapFlags(p.execArgv, p.env.NODE_OPTIONS), `--openssl-config=${p.configFile}`, ...p.argv.slice(1)],
    env: { ...p.env, [MARK]: String(p.pid) },
  };
}

const WHY: Record<NoReexecReason, string> = {
  'already-configured': '',
  'already-reexecuted': 'Node.js did not apply it when this process re-executed itself',
  'no-config-file': 'the file is missing',
  'no-execve': 'this Node.js cannot re-execute itself (process.execve)',
};

export function withoutConfigWarning(reason: NoReexecReason): string {
  return (
    `logferry: warning: running without the OpenSSL settings in ${OPENSSL_CONFIG} (${WHY[reason]}): ` +
    `TLS 1.3 servers send session tickets, which can make senders lose their last messages; start it as node --openssl-config=${OPENSSL_CONFIG} …`
  );
}

/**
 * Call before any work is done (nothing written, no sockets, no timers):
 * returns only when this process already has the settings or cannot get
 * them; otherwise the process is replaced and this never returns.
 */
export function ensureOpensslConfig(): void {
  const plan = planReexec({
    execPath: process.execPath,
    execArgv: process.execArgv,
    argv: process.argv,
    env: process.env,
    pid: process.pid,
    configFile: OPENSSL_CONFIG,
    configExists: existsSync(OPENSSL_CONFIG),
    hasExecve: typeof process.execve === 'function',
  });
  // the marker has done its job once we are past this point; keep it out of children
  delete process.env[MARK];
  if (!plan.exec) {
    if (plan.reason !== 'already-configured') process.stderr.write(withoutConfigWarning(plan.reason) + '\n');
    return;
  }
  process.execve!(plan.file, plan.args, plan.env);
}
