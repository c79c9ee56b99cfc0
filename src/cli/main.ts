/**
 * The `logferry` command after the Node version check in bin/logferry.cjs
 * (tests and developers may start this file directly). Exit codes: 0 ok,
 * 1 configuration or start-up error, 2 usage error. Errors reach the user
 * as sentences, never as stack traces (unless --debug).
 *
 * Only the light modules are imported up front: a run that needs the
 * OpenSSL settings replaces this process (execve) before the daemon's
 * modules are loaded, so they are loaded once.
 */
import { parseArgs, helpText, UsageError, type CliOptions } from './args.ts';
import { ensureOpensslConfig } from './openssl-config.ts';
import { describeError, fail } from './report.ts';

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'send') {
    // a TLS client: the OpenSSL settings (no session tickets) only matter to servers, so no re-exec
    const { runSendCommand } = await import('./send.ts');
    const code = await runSendCommand(argv.slice(1)).catch((err) => fail(1, describeError(err, false)));
    process.exit(code);
  }
  if (argv[0] === 'quickstart') {
    if (argv[1] === '-h' || argv[1] === '--help') {
      process.stdout.write(helpText());
      return;
    }
    // quickstart runs a TLS receiver: it needs the settings as much as the daemon
    ensureOpensslConfig();
    const { runQuickstart } = await import('./quickstart.ts');
    const code = await runQuickstart(argv.slice(1)).catch((err) => fail(1, describeError(err, false)));
    process.exit(code);
  }
  if (argv[0] === 'ctl') {
    // a client of the control socket: no daemon modules, no OpenSSL settings
    const { runCtl } = await import('./ctl.ts');
    try {
      process.exit(await runCtl(argv.slice(1)));
    } catch (err) {
      if (err instanceof UsageError) fail(2, `logferry ctl: ${err.message}\nTry 'logferry ctl --help'.`);
      fail(1, describeError(err, false));
    }
  }
  if (argv[0] === 'cert') {
    // makes and checks files only: no OpenSSL start-up settings, no daemon modules
    const { runCert } = await import('./cert.ts');
    try {
      process.exit(runCert(argv.slice(1)));
    } catch (err) {
      if (err instanceof UsageError) fail(2, `logferry cert: ${err.message}\nTry 'logferry cert --help'.`);
      fail(1, describeError(err, false));
    }
  }
  if (argv[0] === 'buffer') {
    // reads disk-buffer files only: no OpenSSL settings, no daemon modules
    const { runBuffer } = await import('./buffer.ts');
    try {
      process.exit(runBuffer(argv.slice(1)));
    } catch (err) {
      if (err instanceof UsageError) fail(2, `logferry buffer: ${err.message}\nTry 'logferry buffer --help'.`);
      fail(1, describeError(err, false));
    }
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
  if (o.helpDriver !== undefined) {
    const { driverHelp } = await import('./option-docs.ts');
    const r = driverHelp(o.helpDriver);
    if ('error' in r) fail(2, `logferry: ${r.error}\n${r.hint}`);
    process.stdout.write(r.text);
    return;
  }
  if (o.version) {
    const { VERSION } = await import('../daemon/daemon.ts');
    process.stdout.write(`logferry ${VERSION}\nConfig version: syslog-ng 4.x compatible\nNode.js ${process.versions.node}, OpenSSL ${process.versions.openssl}\n`);
    return;
  }
  // -s opens no connection: no need to re-execute for it
  if (!o.syntaxOnly) ensureOpensslConfig();
  const { runDaemon } = await import('./run.ts');
  await runDaemon(o);
}

main(process.argv.slice(2)).catch((err) => fail(1, describeError(err, process.argv.includes('-d') || process.argv.includes('--debug'))));
