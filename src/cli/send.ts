/**
 * `logferry send HOST PORT [options]`: a test and load sender that can present
 * a client certificate. One table drives parsing and --help. Exit status: 0
 * every message sent (and, over TCP/TLS, confirmed by the receiver's clean
 * close); 1 the receiver refused, a connection failed or not all were sent;
 * 2 usage error.
 */
import { resolveSendOptions, SendUsageError, type RawSendOptions } from '../send/options.ts';
import { PROGRESS_MS, runSend, SendSetupError } from '../send/run.ts';
import { errorLines, progressLine, summaryText } from '../send/report.ts';
import { CLOSE_WAIT_MS } from '../send/connection.ts';
import { SD_ID } from '../send/message-maker.ts';
import { formatInternal, setInternalSinks, type InternalEvent } from '../core/internal-log.ts';

/** the TLS layer's own lines for a refused handshake: the run prints the same reason once, in its error line */
const SAID_BY_THE_ERROR_LINE = new Set(['TLS handshake failed', 'Certificate validation failed']);

function stderrWarnings(ev: InternalEvent): void {
  if (ev.level !== 'error' && ev.level !== 'warning') return;
  if (SAID_BY_THE_ERROR_LINE.has(ev.text)) return;
  process.stderr.write(`logferry send: ${ev.level}: ${formatInternal(ev.text, ev.tags)}\n`);
}

interface SendFlag {
  long: string;
  arg?: string;
  help: string;
  apply: (o: RawSendOptions, v: string) => void;
}

export const sendFlags: SendFlag[] = [
  { long: 'transport', arg: 'tls|tcp|udp', help: 'default tls', apply: (o, v) => (o.transport = v) },
  { long: 'framing', arg: 'octet|newline', help: 'tcp and tls only; default octet for RFC 5424 (as syslog()), newline for RFC 3164 (as network())', apply: (o, v) => (o.framing = v) },
  { long: 'format', arg: '5424|3164', help: 'default 5424', apply: (o, v) => (o.format = v) },
  { long: 'ca-file', arg: 'FILE', help: "CA certificates (PEM) the server's certificate must chain to (tls)", apply: (o, v) => (o.caFile = v) },
  { long: 'ca-dir', arg: 'DIR', help: 'or: a hashed CA directory (<hash>.0 files, as ca-dir())', apply: (o, v) => (o.caDir = v) },
  { long: 'cert', arg: 'FILE', help: 'client certificate (PEM; the chain may follow it) to present', apply: (o, v) => (o.cert = v) },
  { long: 'key', arg: 'FILE', help: 'its private key (PEM)', apply: (o, v) => (o.key = v) },
  { long: 'count', arg: 'N', help: 'send N messages (default 1; with --from-file: at most N lines)', apply: (o, v) => (o.count = v) },
  { long: 'duration', arg: 'S', help: 'or: send for S seconds', apply: (o, v) => (o.duration = v) },
  { long: 'rate', arg: 'R', help: 'at most R messages per second over all connections (default: as fast as the receiver reads)', apply: (o, v) => (o.rate = v) },
  { long: 'connections', arg: 'C', help: 'C connections (udp: sockets) in parallel, default 1', apply: (o, v) => (o.connections = v) },
  { long: 'size', arg: 'BYTES', help: 'pad each message to BYTES on the wire (framing included)', apply: (o, v) => (o.size = v) },
  { long: 'from-file', arg: 'FILE|-', help: 'send the lines of FILE (- for stdin) as the messages\' text, in order; empty lines are skipped', apply: (o, v) => (o.fromFile = v) },
  { long: 'json', help: 'print one JSON object with the results on stdout instead of the summary', apply: (o) => (o.json = true) },
  { long: 'help', help: 'print this help and exit', apply: (o) => (o.help = true) },
];

export function sendHelpText(): string {
  const lines = [
    'Usage: logferry send HOST PORT [OPTION...]',
    '',
    'Sends syslog messages to a receiver over TLS, TCP or UDP, with a client certificate if asked,',
    'and says how many arrived. Every message carries a sender id and a sequence number:',
    `RFC 5424 in structured data [${SD_ID} sender="RUN-CONN" seq="N"], RFC 3164 as`,
    "'sender=RUN-CONN seq=N ' at the start of the message text. seq counts from 1 on each connection.",
    '',
    'Options:',
  ];
  for (const f of sendFlags) {
    const left = `  --${f.long}${f.arg ? ' ' + f.arg : ''}`;
    lines.push(left.padEnd(28) + f.help);
  }
  lines.push(
    '',
    'The server certificate is verified against --ca-file or --ca-dir, and its name against HOST.',
    `"Sent" counts messages written to the kernel. Over tcp and tls the run then ends the stream and`,
    `waits up to ${CLOSE_WAIT_MS / 1000} s for the receiver to close its side; a receiver closes only after reading`,
    'everything before the end of the stream, so that close confirms the messages. Over udp nothing',
    'can confirm them.',
    `A progress line (at most ${1000 / PROGRESS_MS} updates a second) appears when stderr is a terminal.`,
    'Ctrl-C (or SIGTERM) ends the run early but cleanly, with the summary; a second one stops it at once.',
    '',
    'Exit status: 0 every message sent (tcp, tls: and confirmed); 1 the receiver refused (e.g. the TLS',
    'handshake or our certificate), a connection failed or not every message was sent; 2 usage error.',
  );
  return lines.join('\n') + '\n';
}

/** Parses `send` arguments (after the word `send`); throws SendUsageError. */
export function parseSendArgs(argv: string[]): RawSendOptions {
  const o: RawSendOptions = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') {
      o.help = true;
      continue;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const row = sendFlags.find((r) => r.long === name);
      if (!row) throw new SendUsageError(`unknown option --${name}`);
      let v = '';
      if (row.arg) {
        if (eq > 0) v = a.slice(eq + 1);
        else if (i + 1 < argv.length) v = argv[++i];
        else throw new SendUsageError(`--${name} needs a value (${row.arg})`);
      } else if (eq > 0) throw new SendUsageError(`--${name} takes no value`);
      row.apply(o, v);
    } else if (a.startsWith('-') && a !== '-') {
      throw new SendUsageError(`unknown option ${a}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length > 2) throw new SendUsageError(`unexpected argument '${positional[2]}' (send takes HOST and PORT)`);
  [o.host, o.port] = positional;
  return o;
}

/** Runs the command; returns the exit status. */
export async function runSendCommand(argv: string[]): Promise<number> {
  let raw: RawSendOptions;
  let opts;
  try {
    raw = parseSendArgs(argv);
    if (raw.help) {
      process.stdout.write(sendHelpText());
      return 0;
    }
    opts = resolveSendOptions(raw);
  } catch (e) {
    if (e instanceof SendUsageError) return usage(e.message);
    throw e;
  }
  setInternalSinks([stderrWarnings]);
  const tty = process.stderr.isTTY === true;
  let shown = false;
  const onProgress = tty
    ? (sent: number, errors: number, elapsedMs: number) => {
        shown = true;
        process.stderr.write('\r\x1b[2K' + progressLine(sent, elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0, errors, elapsedMs / 1000));
      }
    : undefined;
  // the first Ctrl-C ends the run cleanly (summary included); a second one kills it as usual
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let report;
  try {
    report = await runSend(opts, { onProgress, stop: stop.signal });
  } catch (e) {
    if (e instanceof SendUsageError) return usage(e.message);
    if (e instanceof SendSetupError) {
      process.stderr.write(`logferry send: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (shown) process.stderr.write('\r\x1b[2K');
  if (report.inputError) process.stderr.write(`logferry send: error: ${report.inputError}; the lines before it were sent\n`);
  for (const l of errorLines(report.connections)) process.stderr.write(l + '\n');
  if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stderr.write(summaryText(report));
  return report.ok ? 0 : 1;
}

function usage(message: string): number {
  process.stderr.write(`logferry send: ${message}\nTry 'logferry send --help'.\n`);
  return 2;
}
