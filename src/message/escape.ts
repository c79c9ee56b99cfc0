/** Backslash escaping shared by `$(format-json)` strings and syslog-ng's str-repr lists (`$TAGS`). */

const NAMED: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', '"': '\\"' };

/**
 * `\b \f \n \r \t \\` by name, `"` as `\"` when `quote`, other control
 * characters as `\u00XX` (JSON) or `\xXX` (str-repr); the rest as is.
 */
export function backslashEscape(s: string, quote: boolean, controls: 'u' | 'x'): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x5c && (c !== 0x22 || !quote)) continue;
    if (run < i) out += s.slice(run, i);
    run = i + 1;
    const named = NAMED[s[i]];
    if (named !== undefined) out += named;
    else out += controls === 'u' ? '\\u' + c.toString(16).padStart(4, '0') : '\\x' + c.toString(16).padStart(2, '0');
  }
  return run === 0 ? s : out + s.slice(run);
}
