/**
 * `--metrics-listen ADDR:PORT` / `options { metrics-listen(...) }`: a
 * Prometheus endpoint on the main thread. Only `GET /metrics` answers; the text
 * is built at scrape time (counters freshly asked of the workers, certificate
 * gauges from the material held now), so nothing is cached between scrapes.
 */
import * as http from 'node:http';
import { parseListenAddress } from '../../core/listen-address.ts';
import { NamedError } from '../../core/named-error.ts';
import { METRICS_CONTENT_TYPE } from './metrics-format.ts';

export class MetricsListenError extends NamedError {}

/** `ADDR:PORT`, `[v6]:PORT` or `:PORT` (all addresses); a clear error otherwise. */
export function parseListen(spec: string): { host: string | undefined; port: number } {
  try {
    return parseListenAddress(spec, 'metrics-listen');
  } catch (err) {
    throw new MetricsListenError((err as Error).message);
  }
}

export class MetricsServer {
  private readonly server: http.Server;

  private constructor(server: http.Server) {
    this.server = server;
  }

  /** Listens on `spec`; rejects with one sentence when the address cannot be used. */
  static async open(spec: string, render: () => Promise<string>): Promise<MetricsServer> {
    const { host, port } = parseListen(spec);
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found; metrics are served at /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      render().then(
        (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics unavailable: ${err.message}\n`),
      );
    });
    // a scraper's idle keep-alive connection must not hold the stop
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'the address is in use; choose another port' : err.code === 'EADDRNOTAVAIL' ? 'no interface has this address; use one of this host' : err.code === 'EACCES' ? 'permission denied; use a port above 1023' : err.message;
        reject(new MetricsListenError(`metrics-listen ${spec}: ${why}`));
      });
      server.listen(port, host, () => resolve());
    });
    return new MetricsServer(server);
  }

  /** the bound port (for `:0` in tests) */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
