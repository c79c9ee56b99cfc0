#!/usr/bin/env node
/**
 * The `logferry` command. Exit codes: 0 ok, 1 configuration or start-up
 * error, 2 usage error. Errors reach the user as sentences, never as stack
 * traces (unless --debug).
 */
import { parseArgs, helpText, UsageError, type CliOptions } from './args.ts';
import { runQuickstart } from './quickstart.ts';
import { loadConfig } from '../config/index.ts';
import { ConfigError, formatConfigError } from '../config/errors.ts';
import { Daemon, VERSION } from '../daemon/daemon.ts';
import { prepare } from '../daemon/prepare.ts';
import { runWithOpensslConfig, stopWhenParentGoes, userVisiblePid } from './openssl-config.ts';

function fail(code: number, text: string): never {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
  process.exit(code);
}

function describeError(err: unknown, debug: boolean): string {
  if (err instanceof ConfigError) return formatConfigError(err);
  const e = err as Error;
  return `logferry: ${e?.message ?? String(err)}` + (debug && e?.stack ? `\n${e.stack}` : '');
}

async function runDaemon(o: CliOptions): Promise<void> {
  // the child does all the work, config errors included; this process only relays
  const relayed = o.syntaxOnly ? undefined : runWithOpensslConfig();
  if (relayed) process.exit(await relayed);
  let plan;
  try {
    plan = loadConfig(o.cfgfile, { defines: o.defines });
  } catch (err) {
    fail(1, describeError(err, o.debug));
  }
  if (o.syntaxOnly) {
    try {
      // compiles templates, filters and TLS material too, without opening sockets
      prepare(plan, { dryRun: true });
    } catch (err) {
      fail(1, describeError(err, o.debug));
    }
    for (const w of plan.warnings) process.stderr.write(w + '\n');
    process.exit(0);
  }
  const daemon = new Daemon(plan, { stderr: o.stderr, verbose: o.verbose, debug: o.debug, pidfile: o.pidfile, pid: userVisiblePid() });
  stopWhenParentGoes(() => void daemon.stop('parent process gone'));
  const onSignal = (sig: string) => void daemon.stop(sig);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGHUP', () => {
    process.stderr.write('logferry: SIGHUP (reload) is not supported yet; restart the daemon to apply a new configuration\n');
  });
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop('start-up failed').catch(() => {});
    fail(1, describeError(err, o.debug));
  }
  await daemon.done;
  process.exit(0);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'quickstart') {
    if (argv[1] === '-h' || argv[1] === '--help') {
      process.stdout.write(helpText());
      return;
    }
    const relayed = runWithOpensslConfig();
    if (relayed) process.exit(await relayed);
    const code = await runQuickstart(argv.slice(1)).catch((err) => fail(1, describeError(err, false)));
    process.exit(code);
  }
  let o: CliOptions;
  try {
    o = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) fail(2, `logferry: ${err.message}\nTry 'logferry --help'.`);
    throw err;
  }
  if (o.help) {
    process.stdout.write(helpText());
    return;
  }
  if (o.version) {
    process.stdout.write(`logferry ${VERSION}\nConfig version: syslog-ng 4.x compatible\nNode.js ${process.versions.node}, OpenSSL ${process.versions.openssl}\n`);
    return;
  }
  await runDaemon(o);
}

main(process.argv.slice(2)).catch((err) => fail(1, describeError(err, process.argv.includes('-d') || process.argv.includes('--debug'))));
