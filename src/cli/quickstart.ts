/**
 * `logferry quickstart [DIR] [--port N]`: the shortest way from nothing to a
 * working TLS receiver with mutual authentication. Makes a development PKI
 * with the `logferry cert` engine (kept if present), writes a config, prints
 * its PID and a `logferry send` line for a first message,
 * and runs the daemon in the foreground.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDevPki } from '../pki/dev-pki.ts';
import { loadConfig } from '../config/index.ts';
import { Daemon } from '../daemon/daemon.ts';
import { UsageError } from './args.ts';
import { stopOnSignals } from './run.ts';

function quote(s: string): string {
  return '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

export function quickstartConfig(dir: string, port: number, pki: { serverCert: string; serverKey: string; caDir: string }): string {
  const messages = path.join(dir, 'logs', 'messages');
  const internalLog = path.join(dir, 'logs', 'logferry.log');
  return `@version: 4.27
# Written by \`logferry quickstart\`. syslog-ng syntax: this file also runs under syslog-ng.
options { keep-hostname(yes); use-dns(no); };

# RFC 5425 syslog over TLS; clients must present a certificate signed by the dev CA
source s_tls {
    syslog(
        ip(127.0.0.1) port(${port})
        transport("tls")
        tls(
            key-file(${quote(pki.serverKey)})
            cert-file(${quote(pki.serverCert)})
            ca-dir(${quote(pki.caDir)})
            peer-verify(required-trusted)
        )
    );
};

source s_internal { internal(); };

destination d_messages {
    file(${quote(messages)} create-dirs(yes)
         template("\${ISODATE} \${HOST} \${MSGHDR}\${MSG} client=\${.tls.x509_cn}\\n"));
};
destination d_internal { file(${quote(internalLog)} create-dirs(yes)); };

log { source(s_tls); destination(d_messages); flags(flow-control); };
log { source(s_internal); destination(d_internal); };
`;
}

export async function runQuickstart(argv: string[]): Promise<number> {
  let dir = 'logferry-quickstart';
  let port = 6514;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') {
      port = Number(argv[++i]);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new UsageError('--port needs a number between 1 and 65535');
    } else if (a.startsWith('-')) throw new UsageError(`quickstart: unknown option ${a}`);
    else dir = a;
  }
  dir = path.resolve(dir);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const pki = await makeDevPki(path.join(dir, 'pki'));
  const cfgPath = path.join(dir, 'logferry.conf');
  fs.writeFileSync(cfgPath, quickstartConfig(dir, port, pki));
  const plan = loadConfig(cfgPath);

  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const out = process.stdout;
  out.write(`logferry quickstart: TLS syslog receiver with mutual authentication
  pid:        ${process.pid}
  config:     ${rel(cfgPath)}
  listening:  127.0.0.1:${port}  (syslog() RFC 5425 framing over TLS; client certificate required)
  messages:   ${rel(path.join(dir, 'logs', 'messages'))}
  own log:    ${rel(path.join(dir, 'logs', 'logferry.log'))}
  PKI:        ${rel(path.join(dir, 'pki'))}  (made by logferry cert; check it with: logferry cert inspect ${rel(path.join(dir, 'pki'))})

Send a first message from another terminal, with the dev client certificate:
  logferry send 127.0.0.1 ${port} --transport tls --ca-dir ${rel(pki.caDir)} --cert ${rel(pki.clientCert)} --key ${rel(pki.clientKey)} --count 1

Or from syslog-ng, with this destination:
  destination d_logferry {
      syslog("127.0.0.1" port(${port}) transport("tls")
          tls(ca-dir("${pki.caDir}")
              cert-file("${pki.clientCert}")
              key-file("${pki.clientKey}")));
  };

Press Ctrl-C to stop.
`);
  const daemon = new Daemon(plan, { stderr: true, verbose: false, debug: false, pidfile: undefined });
  stopOnSignals(daemon);
  await daemon.start();
  await daemon.done;
  return 0;
}
