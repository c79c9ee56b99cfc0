/** PEM armour: base64 between BEGIN/END lines. Anything between blocks is ignored, as OpenSSL does. */

export interface PemBlock {
  label: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    // headers such as Proc-Type sit before a blank line; only the base64 body is decoded
    const body = m[2].includes(':') ? m[2].replace(/^[\s\S]*?\r?\n\r?\n/, '') : m[2];
    out.push({ label: m[1], der: Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') });
  }
  return out;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
