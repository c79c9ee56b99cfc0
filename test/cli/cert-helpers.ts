/** Running `logferry cert …` as a user does (a separate process), for the cert tests. */
import { spawnSync } from 'node:child_process';
import { LOGFERRY_MAIN } from '../helpers/daemon.ts';

export interface CertRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Bounded: a cert command makes a few keys at most. */
export function cert(...args: string[]): CertRun {
  const r = spawnSync(process.execPath, [LOGFERRY_MAIN, 'cert', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `logferry cert …` that must succeed; the failure message shows what it printed. */
export function certOk(...args: string[]): CertRun {
  const r = cert(...args);
  if (r.code !== 0) throw new Error(`logferry cert ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r;
}

/** `openssl ARGS` with its exit status and output, never throwing on a non-zero exit. */
export function openssl(args: string[], cwd?: string): CertRun {
  const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 60_000, cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
