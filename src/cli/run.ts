/**
 * Runs the daemon for `logferry [flags]` once start-up is settled (Node
 * version checked, OpenSSL settings loaded): reads the config once, then
 * either only checks it (-s) or starts the daemon and waits for a signal.
 */
import type { CliOptions } from './args.ts';
import { loadConfig } from '../config/index.ts';
import { Daemon } from '../daemon/daemon.ts';
import { compileForWorkers } from '../daemon/main/compile.ts';
import { defaultPersistFile } from '../daemon/main/persist-file.ts';
import { DEFAULT_CONTROL_SOCKET } from '../daemon/main/control-socket.ts';
import { resolveRunAs } from '../daemon/service/privileges.ts';
import { SystemdNotifier } from '../daemon/service/sd-notify.ts';
import { internalLog } from '../core/internal-log.ts';
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
  let runAs;
  let notifier;
  try {
    // before anything is bound: a wrong -u/-g or NOTIFY_SOCKET ends the start with one sentence
    runAs = resolveRunAs(o.user, o.group);
    notifier = SystemdNotifier.fromEnv({ onError: (m) => internalLog('warning', m) });
    notifier?.open();
  } catch (err) {
    fail(1, describeError(err, o.debug));
  }
  const daemon = new Daemon(plan, {
    stderr: o.stderr,
    verbose: o.verbose,
    debug: o.debug,
    pidfile: o.pidfile,
    control: o.control ?? DEFAULT_CONTROL_SOCKET,
    controlOptional: o.control === undefined,
    persistFile: o.persistFile ?? defaultPersistFile(o.cfgfile),
    metricsListen: o.metricsListen,
    load: () => loadConfig(o.cfgfile, { defines: o.defines }),
    runAs,
    notifier,
  });
  stopOnSignals(daemon);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop('start-up failed').catch(() => {});
    fail(1, describeError(err, o.debug));
  }
  // the daemon runs until it is stopped, even when nothing is pending for a while (readers held by
  // flow control while a destination waits out time-reopen() on unref'd timers): without this, Node
  // would exit with status 0 and no line when its event loop ran empty
  const alive = setInterval(() => {}, 2 ** 30);
  await daemon.done;
  clearInterval(alive);
  process.exit(0);
}

/** SIGTERM/SIGINT stop (Daemon.stop: reading stops, what was read is written or reported lost); SIGHUP reloads the configuration (Daemon.reload says how it went). */
export function stopOnSignals(daemon: Daemon): void {
  process.on('SIGTERM', () => void daemon.stop('SIGTERM'));
  process.on('SIGINT', () => void daemon.stop('SIGINT'));
  process.on('SIGHUP', () => void daemon.reload('SIGHUP'));
}
