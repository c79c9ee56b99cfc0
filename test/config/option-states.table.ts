/**
 * The state of every option row, with the value that shows it. Keys, most
 * specific first: `<schema> <side> <row>` (e.g. `tcp() source ip-protocol`),
 * `<side> <row>`, `<row>`. `set` is the option text written; `extra` is
 * written in both the baseline and the variant; `udp` builds the UDP flavour
 * of an inet driver; `@CERT`, `@KEY`, `@CERT2`, `@P12`, `@DIR` are test files.
 */
import type { Plan } from '../../src/config/index.ts';
import { prepare } from '../../src/daemon/worker/prepare.ts';
import { LogMessage } from '../../src/message/log-message.ts';

export interface Entry {
  state: 'honoured' | 'warned' | 'refused';
  set: string;
  extra?: string;
  udp?: boolean;
  /** warned/refused: what the message must say (default: the option name) */
  match?: RegExp;
  /** refused or warned by the driver it is written in (finalize.ts), not by its row */
  context?: boolean;
  /** honoured: a behavioural check instead of comparing settings; returns a failure text */
  probe?: (base: Plan, variant: Plan) => string | undefined;
}

const H = (set: string, more: Partial<Entry> = {}): Entry => ({ state: 'honoured', set, ...more });
const W = (set: string, more: Partial<Entry> = {}): Entry => ({ state: 'warned', set, ...more });
const R = (set: string, more: Partial<Entry> = {}): Entry => ({ state: 'refused', set, ...more });

/** log-flow-control(yes): a routed message reaches the destinations with an acknowledgement */
function flowControlProbe(base: Plan, variant: Plan): string | undefined {
  const acked = (plan: Plan) => {
    const p = prepare(plan, { dryRun: true });
    let withAck = 0;
    for (const d of p.destinations) d.deliver = (_m, ack) => void (ack && withAck++);
    const src = [...plan.sources.keys()][0];
    p.routeFor(src)(new LogMessage({ sec: 1, usec: 0, gmtoff: 0 }), () => {});
    return withAck;
  };
  const a = acked(base);
  const b = acked(variant);
  return a === 0 && b > 0 ? undefined : `deliveries with an ack: ${a} without, ${b} with log-flow-control(yes)`;
}

const NOT_IMPL = /is not implemented by logferry yet/;
const CANNOT = /logferry cannot honour/;

export const OPTION_STATES: Readonly<Record<string, Entry>> = {
  // ---- inet drivers, both sides
  transport: H('transport(udp)'),
  'ip-protocol': H('ip-protocol(6)'),
  'tcp() source ip-protocol': W('ip-protocol(6)', { match: /tcp\(\) is IPv4 by its name/ }),
  'tcp() destination ip-protocol': W('ip-protocol(6)', { match: /tcp\(\) is IPv4 by its name/ }),
  tls: H('transport(tls) tls(cert-file(@CERT) key-file(@KEY) peer-verify(optional-untrusted))'),
  'tcp() source tls': R('tls(peer-verify(optional-untrusted))', { match: /doesn't allow TLS/, context: true }),
  'tcp() destination tls': R('tls(peer-verify(optional-untrusted))', { match: /doesn't allow TLS/, context: true }),
  'keep-alive': W('keep-alive(no)', { match: /whatever keep-alive\(\) says/ }),
  'source so-rcvbuf': H('so-rcvbuf(262144)', { udp: true }),
  'destination so-rcvbuf': W('so-rcvbuf(262144)', { match: /TCP sockets/ }),
  'source so-sndbuf': W('so-sndbuf(262144)', { match: /TCP sockets/ }),
  'destination so-sndbuf': H('so-sndbuf(262144)', { udp: true }),
  'so-keepalive': H('so-keepalive(no)'),
  'tcp-keepalive-time': H('tcp-keepalive-time(30)'),
  'tcp-keepalive-intvl': W('tcp-keepalive-intvl(3)', { match: /TCP_KEEPINTVL/ }),
  'tcp-keepalive-probes': W('tcp-keepalive-probes(3)', { match: /TCP_KEEPCNT/ }),
  'source so-reuseport': H('so-reuseport(yes)'),
  'destination so-reuseport': W('so-reuseport(yes)', { match: /listening sockets/ }),
  'source so-broadcast': W('so-broadcast(yes)', { udp: true, match: /receives broadcasts/ }),
  'destination so-broadcast': H('so-broadcast(yes)', { udp: true }),
  'source ip-ttl': W('ip-ttl(4)', { udp: true, match: /sends nothing/ }),
  'destination ip-ttl': H('ip-ttl(4)', { udp: true }),
  interface: R('interface("lo")', { match: CANNOT }),
  'ip-freebind': R('ip-freebind(yes)', { match: CANNOT }),
  'ip-tos': R('ip-tos(16)', { match: CANNOT }),
  // ---- sources
  'source ip': H('ip("127.0.0.2")'),
  'source port': H('port(5140)'),
  'max-connections': H('max-connections(50)'),
  'listen-backlog': H('listen-backlog(16)'),
  'source log-iw-size': H('log-iw-size(5000)'),
  'internal() source log-iw-size': W('log-iw-size(5)', { match: /not flow-controlled|never held back/ }),
  'source log-fetch-limit': H('log-fetch-limit(50)'),
  'dynamic-window-size': R('dynamic-window-size(1000)', { match: NOT_IMPL }),
  'dynamic-window-stats-freq': W('dynamic-window-stats-freq(2)'),
  'dynamic-window-realloc-ticks': W('dynamic-window-realloc-ticks(7)'),
  'trim-large-messages': H('trim-large-messages(yes)'),
  'idle-timeout': H('idle-timeout(30)'),
  'source flags': H('flags(no-parse)'),
  'keep-hostname': H('keep-hostname(yes)'),
  'chain-hostnames': H('chain-hostnames(yes)'),
  'use-dns': H('use-dns(no)'),
  'use-fqdn': H('use-fqdn(yes)'),
  'dns-cache': H('dns-cache(no)'),
  'file() source dns-cache': W('dns-cache(no)', { match: /no sender address/ }),
  'stdin() source dns-cache': W('dns-cache(no)', { match: /no sender address/ }),
  'normalize-hostnames': H('normalize-hostnames(yes)'),
  'check-hostname': H('check-hostname(yes)'),
  'check-program': H('check-program(yes)'),
  'log-msg-size': H('log-msg-size(1000)'),
  'keep-timestamp': H('keep-timestamp(no)'),
  'source time-zone': H('time-zone("+05:00")'),
  'default-facility': H('default-facility(local0)'),
  'default-severity': H('default-severity(err)'),
  'program-override': H('program-override("p2")'),
  'host-override': H('host-override("h2")'),
  tags: H('tags("t1")'),
  'use-syslogng-pid': H('use-syslogng-pid(yes)'),
  encoding: H('encoding("ISO-8859-1")'),
  'sdata-prefix': H('sdata-prefix(".X.")'),
  'persist-name': W('persist-name("p1")', { match: /names persist state and reload identity after the driver itself/ }),
  ebpf: R('ebpf(reuseport(sockets(4)))', { match: CANNOT }),
  'follow-freq': H('follow-freq(5)'),
  // ---- unix-stream(), unix-dgram()
  'unix-stream() source keep-alive': W('keep-alive(no)', { match: /keeps the sockets of every source it leaves unchanged/ }),
  'unix-dgram() source keep-alive': W('keep-alive(no)', { match: /keeps the sockets of every source it leaves unchanged/ }),
  'unix-stream() source so-rcvbuf': W('so-rcvbuf(262144)', { match: /cannot set SO_RCVBUF on a unix stream socket/ }),
  'unix-stream() source dns-cache': W('dns-cache(no)', { match: /no sender address/ }),
  'unix-dgram() source dns-cache': W('dns-cache(no)', { match: /no sender address/ }),
  'pass-unix-credentials': R('pass-unix-credentials(yes)', { match: NOT_IMPL }),
  // ---- destinations
  'destination port': H('port(5999)'),
  localip: H('localip("127.0.0.2")'),
  localport: H('localport(5555)'),
  'time-reopen': H('time-reopen(5)'),
  failover: H('failover(servers("127.0.0.3"))'),
  'failover-servers': H('failover-servers("127.0.0.3")'),
  'close-on-input': H('close-on-input(no)'),
  // a logferry extension: syslog-ng would refuse it, logferry honours it (and warns on UDP, see finalize.ts)
  'max-connection-lifetime': H('max-connection-lifetime(3600)'),
  'destination flags': H('flags(no-multi-line)'),
  template: H('template("x ${MSG}\\n")'),
  'template-escape': H('template-escape(yes)', { extra: 'template("${MSG}\\n")' }),
  'ts-format': H('ts-format(unix)', { extra: 'template("${STAMP}\\n")' }),
  'frac-digits': H('frac-digits(3)', { extra: 'template("${ISODATE}\\n")' }),
  'destination time-zone': H('time-zone("+05:00")'),
  'local-time-zone': W('local-time-zone("+05:00")', { match: /file names of file\(\) destinations/ }),
  'file() destination local-time-zone': H('local-time-zone("+05:00")'),
  'log-fifo-size': H('log-fifo-size(50)'),
  'flush-lines': H('flush-lines(5)'),
  throttle: H('throttle(10)'),
  suppress: R('suppress(10)', { match: NOT_IMPL }),
  'mark-mode': W('mark-mode(dst-idle)', { match: /MARK/ }),
  'mark-freq': W('mark-freq(10)', { match: /MARK/ }),
  'pad-size': R('pad-size(100)', { match: NOT_IMPL }),
  'truncate-size': H('truncate-size(20)'),
  'disk-buffer': R('disk-buffer(reliable(yes) dir(@DIR))', { match: NOT_IMPL }),
  'network() destination disk-buffer': H('disk-buffer(disk-buf-size(1MiB) dir(@DIR))'),
  'syslog() destination disk-buffer': H('disk-buffer(disk-buf-size(1MiB) dir(@DIR))'),
  'tcp() destination disk-buffer': H('disk-buffer(disk-buf-size(1MiB) dir(@DIR))'),
  // ---- disk-buffer() (the harness writes disk-buf-size(1MiB) before the option)
  'disk-buffer() destination reliable': H('reliable(yes)'),
  'disk-buffer() destination disk-buf-size': H('disk-buf-size(2M)'),
  'disk-buffer() destination mem-buf-size': H('mem-buf-size(1M)'),
  'disk-buffer() destination mem-buf-length': W('mem-buf-length(10)', { match: /deprecated and has no effect/ }),
  'disk-buffer() destination dir': H('dir(@DIR)'),
  'disk-buffer() destination resend-window-time': H('resend-window-time(5)'),
  'disk-buffer() destination resend-window-bytes': H('resend-window-bytes(4M)'),
  'disk-buffer() destination prealloc': W('prealloc(yes)'),
  'disk-buffer() destination truncate-size-ratio': W('truncate-size-ratio(0.5)'),
  'disk-buffer() destination compaction': W('compaction(yes)'),
  'disk-buffer() destination front-cache-size': W('front-cache-size(10)'),
  'spoof-source': R('spoof-source(yes)', { match: CANNOT }),
  'spoof-source-max-msglen': W('spoof-source-max-msglen(100)'),
  'create-dirs': H('create-dirs(yes)'),
  perm: H('perm(0644)'),
  'dir-perm': H('dir-perm(0755)'),
  owner: H('owner("root")'),
  group: H('group("root")'),
  'dir-owner': H('dir-owner("root")'),
  'dir-group': H('dir-group("root")'),
  'time-reap': H('time-reap(5)'),
  fsync: H('fsync(yes)'),
  'overwrite-if-older': R('overwrite-if-older(10)', { match: NOT_IMPL }),
  // ---- amqp() (the harness writes username() and password())
  'amqp() destination host': H('host("broker.example")'),
  'amqp() destination port': H('port(5671)'),
  'amqp() destination vhost': H('vhost("/logs")'),
  'amqp() destination exchange': H('exchange("logs")'),
  'amqp() destination exchange-declare': H('exchange-declare(yes)'),
  'amqp() destination exchange-type': H('exchange-type("topic")'),
  'amqp() destination routing-key': H('routing-key("k.${PROGRAM}")'),
  'amqp() destination body': H('body("${MSG}")'),
  'amqp() destination persistent': H('persistent(no)'),
  'amqp() destination username': H('username("other")'),
  'amqp() destination password': H('password("other")'),
  'amqp() destination auth-method': H('auth-method(external) cert-file(@CERT) key-file(@KEY)'),
  'amqp() destination max-channel': H('max-channel(16)'),
  'amqp() destination frame-size': H('frame-size(65536)'),
  'amqp() destination heartbeat': H('heartbeat(30)'),
  'amqp() destination ca-file': H('ca-file(@CERT)'),
  'amqp() destination cert-file': H('cert-file(@CERT)'),
  'amqp() destination key-file': H('key-file(@KEY)'),
  'amqp() destination peer-verify': H('peer-verify(no)'),
  'amqp() destination value-pairs': H('value-pairs(scope("rfc5424"))'),
  'amqp() destination failover': H('failover(servers("127.0.0.3"))'),
  'amqp() destination disk-buffer': H('disk-buffer(disk-buf-size(1MiB) dir(@DIR))'),
  'amqp() destination time-reopen': H('time-reopen(5)'),
  'amqp() destination template-escape': H('template-escape(yes)', { extra: 'body("${MSG}")' }),
  'amqp() destination ts-format': H('ts-format(unix)', { extra: 'body("${STAMP}")' }),
  'amqp() destination frac-digits': H('frac-digits(3)', { extra: 'body("${ISODATE}")' }),
  'amqp() destination truncate-size': H('truncate-size(5)', { extra: 'body("${MSG}")' }),
  'amqp() failover() destination servers': H('servers("127.0.0.3")'),
  'value-pairs() destination scope': H('scope("rfc5424")'),
  'value-pairs() destination key': H('key("PROGRAM")', { extra: 'scope("none")' }),
  'value-pairs() destination exclude': H('exclude("PROGRAM")'),
  // ---- failover(), failback()
  servers: H('servers("127.0.0.3")'),
  'failover() destination failback': H('failback(tcp-probe-interval(10))', { extra: 'servers("127.0.0.3")' }),
  'tcp-probe-interval': H('tcp-probe-interval(10)'),
  'successful-probes-required': H('successful-probes-required(5)'),
  // ---- tls(), cipher-suite()
  'peer-verify': H('peer-verify(optional-untrusted)'),
  'ca-dir': H('ca-dir(@DIR)'),
  'ca-file': H('ca-file(@CERT)'),
  'cert-file': H('cert-file(@CERT)'),
  'key-file': H('key-file(@KEY)'),
  'pkcs12-file': H('pkcs12-file(@P12)'),
  'crl-dir': H('crl-dir(@DIR)'),
  'trusted-fingerprints': H('trusted-fingerprints("SHA256:AA:BB")'),
  'trusted-keys': H('trusted-keys("SHA256:AA:BB")'),
  'trusted-dn': H('trusted-dn("CN=x")'),
  'cipher-suite': H('cipher-suite("AES128-SHA")'),
  'ecdh-curve-list': H('ecdh-curve-list("prime256v1")'),
  'dhparam-file': H('dhparam-file(@CERT2)'),
  sigalgs: H('sigalgs("ECDSA+SHA256")'),
  'client-sigalgs': H('client-sigalgs("ECDSA+SHA256")'),
  'ssl-options': H('ssl-options(no-sslv3)'),
  'ssl-version': H('ssl-version(tlsv1_2)'),
  'allow-compress': R('allow-compress(yes)', { match: CANNOT }),
  'keylog-file': H('keylog-file(@DIR)'),
  'openssl-conf-cmds': H('openssl-conf-cmds("MinProtocol" => "TLSv1.2")'),
  sni: H('sni(yes)'),
  'ocsp-stapling-verify': H('ocsp-stapling-verify(yes)'),
  'extended-key-usage-verify': H('extended-key-usage-verify(yes)'),
  'tls12-and-older': H('tls12-and-older("AES128-SHA")'),
  tls13: H('tls13("TLS_AES_128_GCM_SHA256")'),
  // ---- options {}
  'global keep-hostname': H('keep-hostname(yes)'),
  'global dns-cache-size': H('dns-cache-size(10)'),
  'global dns-cache-expire': H('dns-cache-expire(10)'),
  'global dns-cache-expire-failed': H('dns-cache-expire-failed(10)'),
  'global dns-cache-hosts': H('dns-cache-hosts("/etc/hosts")'),
  'global bad-hostname': H('bad-hostname("^host1$")'),
  'global custom-domain': W('custom-domain("example.com")'),
  'global log-flow-control': H('log-flow-control(yes)', { probe: flowControlProbe }),
  'global min-iw-size-per-reader': H('min-iw-size-per-reader(200)'),
  'global log-iw-size': W('log-iw-size(100)', { match: /removed/ }),
  'global log-fetch-limit': W('log-fetch-limit(10)', { match: /removed/ }),
  'global time-reap': H('time-reap(5)'),
  'global ts-format': H('ts-format(unix)'),
  'global frac-digits': H('frac-digits(3)'),
  'global flush-timeout': W('flush-timeout(10)', { match: /obsolete/ }),
  'global recv-time-zone': H('recv-time-zone("+05:00")'),
  'global send-time-zone': H('send-time-zone("+05:00")'),
  'global local-time-zone': H('local-time-zone("+05:00")'),
  'global file-template': H('file-template(t_probe)'),
  'global proto-template': H('proto-template(t_probe)'),
  // the daemon reads these (no driver does): what it does with them is tested in test/daemon/metrics-endpoint.test.ts and tls-expiry-warning.test.ts
  'global metrics-listen': H('metrics-listen("127.0.0.1:9577")', {
    probe: (b, v) => (b.globals.metricsListen === undefined && v.globals.metricsListen === '127.0.0.1:9577' ? undefined : `the daemon does not get the address: ${v.globals.metricsListen}`),
  }),
  'global tls-expiry-warning-days': H('tls-expiry-warning-days(7)', {
    probe: (b, v) => (b.globals.tlsExpiryWarningDays === 30 && v.globals.tlsExpiryWarningDays === 7 ? undefined : `the daemon does not get the days: ${v.globals.tlsExpiryWarningDays}`),
  }),
  'global threaded': W('threaded(no)', { match: /one event-loop thread/ }),
  // the daemon reads stats(freq()): what it does with it is tested in test/daemon/stats-log.test.ts
  'global stats': H('stats(freq(10))', {
    probe: (b, v) => (b.globals.stats.freq === 0 && v.globals.stats.freq === 10 ? undefined : `the daemon does not get the frequency: ${v.globals.stats.freq}`),
  }),
  'global stats-freq': H('stats-freq(10)', {
    probe: (b, v) => (b.globals.stats.freq === 0 && v.globals.stats.freq === 10 ? undefined : `the daemon does not get the frequency: ${v.globals.stats.freq}`),
  }),
  'global stats-level': W('stats-level(1)', { match: /stats\(level\(1\)\)/ }),
  'global stats-lifetime': W('stats-lifetime(10)', { match: /stats\(lifetime\(10\)\)/ }),
  'global stats-max-dynamics': W('stats-max-dynamics(10)', { match: /stats\(max-dynamics\(10\)\)/ }),
  'global use-uniqid': W('use-uniqid(yes)', { match: /UNIQID/ }),
  'global log-level': W('log-level(debug)', { match: /-v \/ -d/ }),
  'global disk-buffer': W('disk-buffer(prealloc(yes))', { match: /queue files/ }),
  // ---- stats()
  freq: H('freq(10)', {
    probe: (b, v) => (b.globals.stats.freq === 0 && v.globals.stats.freq === 10 ? undefined : `the daemon does not get the frequency: ${v.globals.stats.freq}`),
  }),
  level: W('level(1)', { match: /stats\(level\(1\)\)/ }),
  lifetime: W('lifetime(10)', { match: /stats\(lifetime\(10\)\)/ }),
  'max-dynamics': W('max-dynamics(10)', { match: /stats\(max-dynamics\(10\)\)/ }),
  'syslog-stats': W('syslog-stats(yes)', { match: /stats\(syslog-stats\(yes\)\)/ }),
  'healthcheck-freq': W('healthcheck-freq(10)', { match: /stats\(healthcheck-freq\(10\)\)/ }),
};
