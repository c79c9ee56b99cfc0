/**
 * Command-line flags, syslog-ng compatible. One table drives parsing and
 * --help, so they cannot disagree.
 */
import { DEFAULT_STOP_DEADLINE_MS } from '../daemon/stop-deadline.ts';
import { listenAddressProblem } from '../core/listen-address.ts';

export interface CliOptions {
  cfgfile: string;
  foreground: boolean;
  syntaxOnly: boolean;
  stderr: boolean;
  verbose: boolean;
  debug: boolean;
  trace: boolean;
  pidfile: string | undefined;
  control: string | undefined;
  persistFile: string | undefined;
  metricsListen: string | undefined;
  version: boolean;
  help: boolean;
  /** `--help-driver [NAME]`: undefined = not asked, '' = list the names */
  helpDriver: string | undefined;
  /** `--define NAME=VALUE` (also syslog-ng's way to preset @define values) */
  defines: Record<string, string>;
  noCaps: boolean;
  /** -u/--user: who the daemon runs as once its ports are bound and keys read */
  user: string | undefined;
  /** -g/--group */
  group: string | undefined;
}

interface FlagRow {
  short?: string;
  long: string;
  arg?: string;
  /** the value may be left out (`--help-driver` alone, or before another flag) */
  argOptional?: boolean;
  help: string;
  apply: (o: CliOptions, v: string) => void;
}

export const DEFAULT_CFGFILE = '/etc/logferry/logferry.conf';

export const flagTable: FlagRow[] = [
  { short: 'f', long: 'cfgfile', arg: 'FILE', help: `configuration file (default ${DEFAULT_CFGFILE})`, apply: (o, v) => (o.cfgfile = v) },
  { short: 'F', long: 'foreground', help: 'do not go to the background (logferry always runs in the foreground; accepted for syslog-ng compatibility)', apply: (o) => (o.foreground = true) },
  { short: 's', long: 'syntax-only', help: 'check the configuration (syntax, files, certificates) and exit: 0 valid, 1 invalid', apply: (o) => (o.syntaxOnly = true) },
  { short: 'e', long: 'stderr', help: "write logferry's own messages to stderr too", apply: (o) => (o.stderr = true) },
  { short: 'v', long: 'verbose', help: 'also report verbose-level internal messages', apply: (o) => (o.verbose = true) },
  { short: 'd', long: 'debug', help: 'also report debug-level internal messages', apply: (o) => (o.debug = true) },
  { short: 't', long: 'trace', help: 'like --debug (accepted for syslog-ng compatibility)', apply: (o) => ((o.trace = true), (o.debug = true)) },
  { short: 'p', long: 'pidfile', arg: 'FILE', help: 'write the process id to FILE (removed on exit)', apply: (o, v) => (o.pidfile = v) },
  { short: 'c', long: 'control', arg: 'PATH', help: 'control socket for logferry ctl and syslog-ng-ctl, mode 0600, removed on exit (default /var/lib/logferry/logferry.ctl when that directory exists)', apply: (o, v) => (o.control = v) },
  { short: 'R', long: 'persist-file', arg: 'FILE', help: "where file() sources' positions are kept across restarts (default: the config file's name with .persist, in its directory)", apply: (o, v) => (o.persistFile = v) },
  { long: 'metrics-listen', arg: 'ADDR:PORT', help: 'serve Prometheus metrics (counters, certificate expiry) at http://ADDR:PORT/metrics; also options { metrics-listen() }, off by default', apply: (o, v) => {
    const problem = listenAddressProblem(v, '--metrics-listen');
    if (problem) throw new UsageError(problem);
    o.metricsListen = v;
  } },
  { long: 'define', arg: 'NAME=VALUE', help: 'predefine a configuration @define value', apply: (o, v) => {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`--define expects NAME=VALUE, got '${v}'`);
    o.defines[v.slice(0, i)] = v.slice(i + 1);
  } },
  { short: 'u', long: 'user', arg: 'USER', help: 'after binding every port and reading keys, run as USER (name or uid; its groups too); needs root at start', apply: (o, v) => (o.user = v) },
  { short: 'g', long: 'group', arg: 'GROUP', help: "run as GROUP (name or gid) after binding; default with -u: the user's primary group", apply: (o, v) => (o.group = v) },
  { short: 'C', long: 'chroot', arg: 'DIR', help: 'refused: logferry does not chroot (use systemd RootDirectory= or a container)', apply: () => {
    throw new UsageError('--chroot is not supported: Node loads its modules and OpenSSL settings after start-up, so use systemd RootDirectory=/ProtectSystem= or a container instead');
  } },
  { long: 'caps', arg: 'CAPSPEC', help: 'refused: logferry keeps no capabilities (use -u, or systemd AmbientCapabilities=)', apply: () => {
    throw new UsageError('--caps is not supported: logferry keeps no Linux capabilities; bind as root and drop with -u, or run under systemd with User= and AmbientCapabilities=CAP_NET_BIND_SERVICE');
  } },
  { long: 'no-caps', help: 'accepted for syslog-ng compatibility (logferry keeps no capabilities)', apply: (o) => (o.noCaps = true) },
  { short: 'V', long: 'version', help: 'print the version and exit', apply: (o) => (o.version = true) },
  { short: 'h', long: 'help', help: 'print this help and exit', apply: (o) => (o.help = true) },
  {
    long: 'help-driver',
    arg: 'NAME',
    argOptional: true,
    help: 'print every option of a driver or block (network, file, tls, options, …) with its type, default and whether logferry honours it, and exit; without NAME, list the names',
    apply: (o, v) => (o.helpDriver = v),
  },
];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function defaultCliOptions(): CliOptions {
  return {
    cfgfile: DEFAULT_CFGFILE,
    foreground: false,
    syntaxOnly: false,
    stderr: false,
    verbose: false,
    debug: false,
    trace: false,
    pidfile: undefined,
    control: undefined,
    persistFile: undefined,
    metricsListen: undefined,
    version: false,
    help: false,
    helpDriver: undefined,
    defines: {},
    noCaps: false,
    user: undefined,
    group: undefined,
  };
}

/** Parses daemon flags (`-f x`, `-fx`, `--cfgfile=x`, `--cfgfile x`, bundled `-Fe`). */
export function parseArgs(argv: string[]): CliOptions {
  const o = defaultCliOptions();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const row = flagTable.find((r) => r.long === name);
      if (!row) throw new UsageError(`unknown option --${name}`);
      let v = '';
      if (row.arg) {
        if (eq > 0) v = a.slice(eq + 1);
        else if (row.argOptional && (i + 1 >= argv.length || argv[i + 1].startsWith('-'))) v = '';
        else if (i + 1 < argv.length) v = argv[++i];
        else throw new UsageError(`--${name} needs a value (${row.arg})`);
      } else if (eq > 0) throw new UsageError(`--${name} takes no value`);
      row.apply(o, v);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const row = flagTable.find((r) => r.short === a[j]);
        if (!row) throw new UsageError(`unknown option -${a[j]}`);
        if (row.arg) {
          let v = a.slice(j + 1);
          if (v === '') {
            if (i + 1 >= argv.length) throw new UsageError(`-${a[j]} needs a value (${row.arg})`);
            v = argv[++i];
          }
          row.apply(o, v);
          break;
        }
        row.apply(o, '');
      }
    } else {
      throw new UsageError(`unexpected argument '${a}'`);
    }
  }
  return o;
}

export function helpText(): string {
  const lines = [
    'Usage: logferry [OPTION...]            run the daemon',
    '       logferry quickstart [DIR]       make a dev PKI and config in DIR (default ./logferry-quickstart) and run it',
    '       logferry cert COMMAND ...       make and check certificates (logferry cert --help)',
    '       logferry send HOST PORT [...]   send test messages over TLS, TCP or UDP (logferry send --help)',
    '       logferry buffer check|dump ...  verify or print a disk buffer\'s files (logferry buffer --help)',
    '       logferry ctl [-c SOCKET] COMMAND  ask a running daemon: stats, reload, reopen, stop, healthcheck, query (logferry ctl --help)',
    '',
    'logferry receives and sends syslog over TLS, TCP and UDP. It reads syslog-ng configuration files.',
    '',
    'Options:',
  ];
  for (const r of flagTable) {
    const arg = r.arg ? (r.argOptional ? ` [${r.arg}]` : ` ${r.arg}`) : '';
    const left = `  ${r.short ? '-' + r.short + ', ' : '    '}--${r.long}${arg}`;
    lines.push(left.padEnd(34) + r.help);
  }
  lines.push('', 'Every configuration option is described by --help-driver NAME (and in docs/options.md of the source tree).');
  lines.push(
    '',
    'Exit status: 0 ok, 1 configuration or start-up error, 2 usage error.',
    'Signals: SIGTERM/SIGINT stop reading at once (bytes still in kernel buffers stay unread: senders see the',
    `connection close or reset), give destinations ${DEFAULT_STOP_DEADLINE_MS / 1000} s to write every message already read, then close`,
    'connections and remove the pidfile. One line reports whether everything read was written, or how many',
    'messages each destination lost (e.g. one that was down). SIGHUP reloads the configuration.',
  );
  return lines.join('\n') + '\n';
}
