/**
 * `logferry ctl`: talks to a running daemon over its control socket, in
 * syslog-ng-ctl's line protocol (one request line; the answer ends with a
 * line holding only "."), so it reads a syslog-ng's socket as well. Every
 * failure is one line on stderr with what to do, exit 1; usage errors exit 2.
 */
import * as net from 'node:net';
import { DEFAULT_CONTROL_SOCKET } from '../daemon/main/control-socket.ts';
import { UsageError } from './args.ts';

/** how long an answer may take: a reload or a stop report can take a while, a dead daemon must not hang the shell */
const ANSWER_TIMEOUT_MS = 60_000;

export function ctlHelpText(): string {
  return `Usage: logferry ctl [-c SOCKET] COMMAND

Talks to a running logferry over its control socket (syslog-ng-ctl's protocol:
syslog-ng-ctl COMMAND -c SOCKET works against logferry too).

Commands:
  stats [--json]      every counter as syslog-ng-ctl prints it, one CSV row each:
                      SourceName;SourceId;SourceInstance;State;Type;Number
                      (--json: the same rows as a JSON array)
  stats prometheus    the counters in Prometheus text format
  reload              read the configuration file again, as SIGHUP (a broken one
                      is refused with FILE:LINE:COL and the running one stays)
  reopen              let file() destinations open their files anew (logrotate)
  stop                stop the daemon, as SIGTERM
  healthcheck         the daemon's main-loop and worker latency, in seconds
  query GLOB          the counters whose name (SourceName.SourceId.SourceInstance.Type,
                      empty fields left out) matches GLOB, as NAME=VALUE lines

Options:
  -c, --control SOCKET  the daemon's control socket (default ${DEFAULT_CONTROL_SOCKET})
  -h, --help            print this help and exit

Exit status: 0 ok; 1 no daemon answers on the socket, or it refused the command; 2 usage error.
`;
}

interface CtlArgs {
  socket: string;
  help: boolean;
  words: string[];
}

export function parseCtlArgs(argv: string[]): CtlArgs {
  const a: CtlArgs = { socket: DEFAULT_CONTROL_SOCKET, help: false, words: [] };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    if (w === '-h' || w === '--help') a.help = true;
    else if (w === '-c' || w === '--control') {
      if (i + 1 >= argv.length) throw new UsageError(`${w} needs a value (SOCKET)`);
      a.socket = argv[++i];
    } else if (w.startsWith('--control=')) a.socket = w.slice('--control='.length);
    else if (w.startsWith('-c') && w.length > 2) a.socket = w.slice(2);
    else a.words.push(w);
  }
  return a;
}

/** the request line for the command words; `json`: print the CSV answer as JSON */
export function requestFor(words: string[]): { request: string; json: boolean } {
  const [cmd, ...rest] = words;
  const none = (): void => {
    if (rest.length > 0) throw new UsageError(`${cmd} takes no arguments, got '${rest.join(' ')}'`);
  };
  switch (cmd) {
    case undefined:
      throw new UsageError('a command is needed: stats, reload, reopen, stop, healthcheck or query');
    case 'stats': {
      const json = rest.includes('--json');
      const others = rest.filter((x) => x !== '--json');
      if (others.length === 0 || (others.length === 1 && others[0] === 'csv')) return { request: 'STATS CSV', json };
      if (others.length === 1 && others[0] === 'prometheus' && !json) return { request: 'STATS PROMETHEUS', json: false };
      throw new UsageError(`stats takes --json or prometheus, got '${rest.join(' ')}'`);
    }
    case 'reload':
    case 'reopen':
    case 'stop':
    case 'healthcheck':
      none();
      return { request: cmd.toUpperCase(), json: false };
    case 'query':
      if (rest.length !== 1) throw new UsageError("query takes one GLOB (quote it: 'dst.*')");
      return { request: `QUERY GET ${rest[0]}`, json: false };
    default:
      throw new UsageError(`unknown command '${cmd}'; the commands are stats, reload, reopen, stop, healthcheck and query`);
  }
}

/** Splits one CSV line the way syslog-ng writes it: ';' between fields, a field holding ';' or '"' quoted with '\"' inside. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ';') (out.push(cur), (cur = ''));
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface StatsJsonRow {
  SourceName: string;
  SourceId: string;
  SourceInstance: string;
  State: string;
  Type: string;
  Number: number;
}

/** the CSV answer's rows (header skipped) as objects named by the header's fields */
export function csvToJson(csv: string): StatsJsonRow[] {
  const lines = csv.split('\n').filter((l) => l !== '');
  return lines.slice(lines[0]?.startsWith('SourceName;') ? 1 : 0).map((l) => {
    const [SourceName = '', SourceId = '', SourceInstance = '', State = '', Type = '', n = '0'] = splitCsvLine(l);
    return { SourceName, SourceId, SourceInstance, State, Type, Number: Number(n) };
  });
}

class CtlError extends Error {}

/** one request, its whole answer without the closing "." line */
export function exchange(socket: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let got = '';
    let done = false;
    const finish = (err: Error | undefined, text?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      c.destroy();
      if (err) reject(err);
      else resolve(text!);
    };
    const timer = setTimeout(() => finish(new CtlError(`the daemon on ${socket} did not answer '${request}' within ${ANSWER_TIMEOUT_MS / 1000} s; check that it is running (its log says why it is busy)`)), ANSWER_TIMEOUT_MS);
    c.setEncoding('utf8');
    c.on('data', (s: string) => {
      got += s;
      if (got === '.\n' || got.endsWith('\n.\n')) finish(undefined, got.slice(0, -2));
    });
    c.on('close', () => finish(new CtlError(`the daemon on ${socket} closed the connection before answering '${request}'; its log says why`)));
    c.on('error', (err: NodeJS.ErrnoException) => finish(connectError(socket, err)));
    c.write(request + '\n');
  });
}

function connectError(socket: string, err: NodeJS.ErrnoException): Error {
  switch (err.code) {
    case 'ENOENT':
      return new CtlError(`no control socket at ${socket}: start logferry (with -c ${socket}), or give the running daemon's socket with -c SOCKET`);
    case 'ECONNREFUSED':
      return new CtlError(`no daemon answers on ${socket} (the socket is left from one that stopped): start logferry, or give the running daemon's socket with -c SOCKET`);
    case 'EACCES':
    case 'EPERM':
      return new CtlError(`not allowed to open ${socket} (mode 0600): run logferry ctl as the user the daemon runs as`);
    case 'ENOTSOCK':
      return new CtlError(`${socket} is not a socket: give the daemon's control socket with -c SOCKET`);
    default:
      return new CtlError(`cannot reach the daemon on ${socket}: ${err.code ?? err.message}`);
  }
}

/** Runs `logferry ctl ARGS`; resolves to the exit code. */
export async function runCtl(argv: string[]): Promise<number> {
  const a = parseCtlArgs(argv);
  if (a.help) {
    process.stdout.write(ctlHelpText());
    return 0;
  }
  const { request, json } = requestFor(a.words);
  let answer: string;
  try {
    answer = await exchange(a.socket, request);
  } catch (err) {
    if (!(err instanceof CtlError)) throw err;
    process.stderr.write(`logferry ctl: ${err.message}\n`);
    return 1;
  }
  if (answer.startsWith('FAIL ') || answer.startsWith('RETRY ')) {
    process.stderr.write(`logferry ctl: ${answer.slice(answer.indexOf(' ') + 1).trimEnd()}\n`);
    return 1;
  }
  const text = answer.startsWith('OK ') ? answer.slice(3) : answer;
  if (json) process.stdout.write(JSON.stringify(csvToJson(text), null, 2) + '\n');
  else process.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  return 0;
}
