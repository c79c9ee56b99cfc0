/** Service-name → port lookup from /etc/services, as getservbyname() would do. */
import * as fs from 'node:fs';

let table: Map<string, number> | undefined;

function load(): Map<string, number> {
  const m = new Map<string, number>();
  let text = '';
  try {
    text = fs.readFileSync('/etc/services', 'utf8');
  } catch {
    return m;
  }
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2) continue;
    const pm = /^(\d+)\/(\w+)$/.exec(fields[1]);
    if (!pm) continue;
    for (const name of [fields[0], ...fields.slice(2)]) {
      const key = `${name}/${pm[2]}`;
      if (!m.has(key)) m.set(key, Number(pm[1]));
    }
  }
  return m;
}

export function lookupService(name: string, proto: 'tcp' | 'udp'): number | undefined {
  table ??= load();
  return table.get(`${name}/${proto}`);
}
