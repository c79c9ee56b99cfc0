/**
 * trusted-dn() patterns: GLib's g_pattern_match_simple over the whole DN
 * string — `*` any run (commas included), `?` one character, case-sensitive.
 */
export function matchDnGlob(pattern: string, text: string): boolean {
  const p = Array.from(pattern);
  const t = Array.from(text);
  let pi = 0, ti = 0;
  let starP = -1, starT = 0;
  // classic two-pointer glob; each iteration advances ti or pi, or rewinds to a later starT: O(p*t) worst case
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starT = ti;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

export function matchAnyDn(patterns: readonly string[], dn: string): boolean {
  return patterns.some((p) => matchDnGlob(p, dn));
}
