/**
 * Runs the daemon for `logferry [flags]` once start-up is settled (Node
 * version checked, OpenSSL settings loaded): reads the config once, then
 * either only checks it (-s) or starts the daemon and waits for a signal.
 */
import type { CliOptions } from './args.ts';
import { loadConfig } from '../config/index.ts';
import { Daemon } from '../daemon/daemon.ts';
import { compileForWorkers } from '../daemon/main/compile.ts';
import { DEFAULT_CONTROL_SOCKET } from '../daemon/main/control-socket.ts';
import { describeError, fail } from './report.ts';

export async function runDaemon(o: CliOptions): Promise<never> {
  let plan;
  try {
    plan = loadConfig(o.cfgfile, { defines: o.defines });
  } catch (err) {
    fail(1, describeError(err, o.debug));
  }
  if (o.syntaxOnly) {
    try {
      // the main thread's check before any worker starts: templates, filters and TLS material, no socket opened
      compileForWorkers(plan);
    } catch (err) {
      fail(1, describeError(err, o.debug));
    }
    for (const w of plan.warnings) process.stderr.write(w + '\n');
    process.exit(0);
  }
  const daemon = new Daemon(plan, {
    stderr: o.stderr,
    verbose: o.verbose,
    debug: o.debug,
    pidfile: o.pidfile,
    control: o.control ?? DEFAULT_CONTROL_SOCKET,
    controlOptional: o.control === undefined,
    load: () => loadConfig(o.cfgfile, { defines: o.defines }),
  });
  stopOnSignals(daemon);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop('start-up failed').catch(() => {});
    fail(1, describeError(err, o.debug));
  }
  await daemon.done;
  process.exit(0);
}

/** SIGTERM/SIGINT stop cleanly (flush, close, remove the pidfile); SIGHUP reloads the configuration (Daemon.reload says how it went). */
export function stopOnSignals(daemon: Daemon): void {
  process.on('SIGTERM', () => void daemon.stop('SIGTERM'));
  process.on('SIGINT', () => void daemon.stop('SIGINT'));
  process.on('SIGHUP', () => void daemon.reload('SIGHUP'));
}
