/**
 * `ADDR:PORT` as logferry's own listeners take it (--metrics-listen, options {
 * metrics-listen() }): checked where it is written (a usage error, a config
 * error with file:line:col) and parsed where it is opened.
 */

const FORM = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/;

/** why `spec` is not ADDR:PORT, in one sentence with an example; undefined when it is */
export function listenAddressProblem(spec: string, what: string): string | undefined {
  const m = FORM.exec(spec.trim());
  if (m && Number(m[3]) <= 65535) return undefined;
  return `${what} '${spec}' is not ADDR:PORT; write e.g. 127.0.0.1:9577 or [::1]:9577`;
}

/** `ADDR:PORT`, `[v6]:PORT` or `:PORT` (every address); throws the problem otherwise */
export function parseListenAddress(spec: string, what: string): { host: string | undefined; port: number } {
  const problem = listenAddressProblem(spec, what);
  if (problem) throw new Error(problem);
  const m = FORM.exec(spec.trim())!;
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port: Number(m[3]) };
}
