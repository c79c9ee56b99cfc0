/** send's defaults and the combinations it refuses, each with a sentence that says what to do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSendOptions, SendUsageError } from '../../src/send/options.ts';
import { parseSendArgs } from '../../src/cli/send.ts';

const opts = (...a: string[]) => resolveSendOptions(parseSendArgs(a));

test('defaults: tls, RFC 5424 with octet counting (syslog()), one message, one connection', () => {
  const o = opts('h', '6514', '--ca-file', 'ca.pem');
  assert.deepEqual(
    { t: o.transport, f: o.framing, fmt: o.format, n: o.count, c: o.connections, r: o.rate, s: o.size, j: o.json },
    { t: 'tls', f: 'octet', fmt: '5424', n: 1, c: 1, r: undefined, s: undefined, j: false },
  );
  assert.equal(opts('h', '514', '--transport', 'tcp', '--format', '3164').framing, 'newline');
  assert.equal(opts('h', '514', '--transport=udp').framing, undefined);
  assert.equal(opts('h', '514', '--transport', 'tcp', '--from-file', '-').count, undefined);
  assert.equal(opts('h', '514', '--transport', 'tcp', '--duration', '2.5').durationS, 2.5);
});

test('usage errors', () => {
  const bad: Array<[string[], RegExp]> = [
    [[], /needs HOST and PORT/],
    [['h'], /needs HOST and PORT/],
    [['h', '70000', '--transport', 'tcp'], /PORT must be/],
    [['h', '1', '2'], /unexpected argument '2'/],
    [['h', '514'], /tls needs --ca-file or --ca-dir/],
    [['h', '514', '--ca-file', 'a', '--ca-dir', 'b'], /either --ca-file or --ca-dir/],
    [['h', '514', '--ca-file', 'a', '--cert', 'c'], /--cert and --key go together/],
    [['h', '514', '--transport', 'tcp', '--cert', 'c', '--key', 'k'], /apply to --transport tls only/],
    [['h', '514', '--transport', 'udp', '--framing', 'octet'], /--framing applies to tcp and tls only/],
    [['h', '514', '--transport', 'tcp', '--count', '1', '--duration', '1'], /either --count or --duration/],
    [['h', '514', '--transport', 'tcp', '--count', '0'], /--count must be between 1/],
    [['h', '514', '--transport', 'tcp', '--rate', 'fast'], /--rate expects a number/],
    [['h', '514', '--transport', 'udp', '--size', '70000'], /--size must be between 1 and 65507/],
    [['h', '514', '--transport', 'sctp'], /--transport must be one of tls, tcp, udp/],
    [['h', '514', '--bogus'], /unknown option --bogus/],
    [['h', '514', '--count'], /--count needs a value/],
  ];
  for (const [args, re] of bad) assert.throws(() => opts(...args), (e: Error) => e instanceof SendUsageError && re.test(e.message), args.join(' '));
});
