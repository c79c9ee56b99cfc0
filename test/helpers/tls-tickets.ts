/** A TLS 1.3 client that counts the session tickets a server sends it (logferry's servers send none). */
import * as fs from 'node:fs';
import * as tls from 'node:tls';

export interface TicketCounter {
  /** tickets received so far */
  readonly tickets: number;
  socket: tls.TLSSocket;
}

/** Connects to 127.0.0.1:`port` trusting `ca`, writes `payload` (if any) after the handshake. */
export function connectCountingTickets(port: number, ca: string, payload?: string): Promise<TicketCounter> {
  return new Promise((resolve, reject) => {
    let tickets = 0;
    const s = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(ca), servername: 'localhost', minVersion: 'TLSv1.3' });
    s.on('session', () => tickets++);
    s.on('error', reject);
    s.on('secureConnect', () => {
      if (payload) s.write(payload);
      resolve({ get tickets() { return tickets; }, socket: s });
    });
  });
}
