/**
 * logferry needs OpenSSL settings that Node only takes at process start
 * (openssl/logferry.cnf: no TLS 1.3 session tickets). When the daemon was
 * started without them, it runs itself once more as a child with
 * --openssl-config and relays signals and the exit status, so the PID the
 * user started still stops the daemon.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** the same relative path from src/cli/ and from dist/cli/ */
export const OPENSSL_CONFIG = fileURLToPath(new URL('../../openssl/logferry.cnf', import.meta.url));

const MARK = 'LOGFERRY_OPENSSL_CONFIG_LOADED';

function loaded(): boolean {
  return process.env[MARK] === '1' || process.execArgv.some((a) => a.startsWith('--openssl-config'));
}

/**
 * Returns undefined when this process already runs with the config (go on),
 * otherwise a promise of the child's exit code (this process only relays).
 */
export function runWithOpensslConfig(): Promise<number> | undefined {
  if (loaded() || !existsSync(OPENSSL_CONFIG)) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, `--openssl-config=${OPENSSL_CONFIG}`, process.argv[1], ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [MARK]: '1' },
  });
  const relay = (sig: NodeJS.Signals) => () => {
    child.kill(sig);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, relay(sig));
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

/** In the child: stop when the relaying parent vanished (it was killed outright). */
export function stopWhenParentGoes(stop: () => void): void {
  if (process.env[MARK] === '1' && process.channel) {
    process.on('disconnect', stop);
    process.channel.unref();
  }
}

/** The PID the user started: the relaying parent when there is one (for -p/--pidfile). */
export function userVisiblePid(): number {
  return process.env[MARK] === '1' && process.channel ? process.ppid : process.pid;
}
