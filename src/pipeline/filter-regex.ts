/**
 * PCRE patterns (what syslog-ng filters use) translated to JavaScript RegExp
 * source with the same meaning, or rejected with a reason when JavaScript
 * cannot express them (possessive quantifiers, atomic groups, recursion,
 * conditionals, \G, \K, unscoped mid-pattern option changes…).
 *
 * Differences handled: PCRE's `$` also matches before a final newline, `.`
 * matches `\r`, `\s` is ASCII only, `[]abc]` starts a class with `]`,
 * POSIX classes `[[:alpha:]]`, `(?P<name>…)`, `\A`, `\Z`, `\z`, `\Q…\E`,
 * `\h`, `\R`, `\x{…}`, leading `(?i)`/`(?s)`/`(?m)`.
 */

export class PcreTranslateError extends Error {}

export interface PcreOptions {
  ignoreCase?: boolean;
  /** syslog-ng flags(newline): CR, LF and CRLF all end lines */
  newline?: boolean;
}

const posixClasses: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: 'A-Za-z0-9_',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
  ascii: '\\x00-\\x7f',
};

const hSpace = '\\t \\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000';
const sSpace = '\\t\\n\\v\\f\\r ';

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|\/-]/g, '\\$&');
}

function codePointEscape(cp: number): string {
  if (cp <= 0xffff) return '\\u' + cp.toString(16).padStart(4, '0');
  const s = String.fromCodePoint(cp);
  return '(?:' + '\\u' + s.charCodeAt(0).toString(16) + '\\u' + s.charCodeAt(1).toString(16) + ')';
}

/** Returns a RegExp equivalent to the PCRE pattern, or throws PcreTranslateError. */
export function pcreToRegExp(pattern: string, opts: PcreOptions = {}): RegExp {
  let p = pattern;
  let icase = !!opts.ignoreCase;
  let dotall = false;
  let multiline = false;
  // leading option settings apply to the whole pattern, which JS expresses as flags
  for (;;) {
    const m = /^\(\?([a-zA-Z]+)\)/.exec(p);
    if (!m) break;
    for (const f of m[1]) {
      if (f === 'i') icase = true;
      else if (f === 's') dotall = true;
      else if (f === 'm') multiline = true;
      else throw new PcreTranslateError(`the (?${f}) option is not supported`);
    }
    p = p.slice(m[0].length);
  }
  const nl = opts.newline;
  const dot = dotall ? '[\\s\\S]' : nl ? '[^\\r\\n]' : '[^\\n]';
  const endOfInput = '(?![\\s\\S])';
  const dollar = multiline ? (nl ? '(?=[\\r\\n]|(?![\\s\\S]))' : '(?=\\n|(?![\\s\\S]))') : nl ? '(?=(?:\\r\\n|\\r|\\n)?(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
  const caret = multiline ? (nl ? '(?<=^|[\\r\\n])' : '(?<=^|\\n)') : '^';

  let out = '';
  let i = 0;
  let lastQuantifiable = false; // previous token was a quantifier (to spot possessive `++`)
  const n = p.length;

  const fail = (what: string): never => {
    throw new PcreTranslateError(`${what} at offset ${i} is not supported`);
  };

  const escapeOutside = (): string => {
    const c = p[i + 1];
    if (c === undefined) throw new PcreTranslateError('pattern ends with a backslash');
    i += 2;
    switch (c) {
      case 'A':
        return '^';
      case 'z':
        return endOfInput;
      case 'Z':
        return '(?=\\n?(?![\\s\\S]))';
      case 's':
        return '[' + sSpace + ']';
      case 'S':
        return '[^' + sSpace + ']';
      case 'h':
        return '[' + hSpace + ']';
      case 'H':
        return '[^' + hSpace + ']';
      case 'R':
        return '(?:\\r\\n|[\\n\\v\\f\\r\\x85\\u2028\\u2029])';
      case 'e':
        return '\\x1b';
      case 'a':
        return '\\x07';
      case 'Q': {
        const end = p.indexOf('\\E', i);
        const lit = end < 0 ? p.slice(i) : p.slice(i, end);
        i = end < 0 ? n : end + 2;
        return lit ? '(?:' + escapeLiteral(lit) + ')' : '';
      }
      case 'E':
        return '';
      case 'x':
        if (p[i] === '{') {
          const end = p.indexOf('}', i);
          const hex = end < 0 ? '' : p.slice(i + 1, end);
          if (!/^[0-9a-fA-F]{1,6}$/.test(hex)) fail('\\x{…}');
          i = end + 1;
          return codePointEscape(Number.parseInt(hex, 16));
        }
        {
          const m = /^[0-9a-fA-F]{0,2}/.exec(p.slice(i))![0];
          i += m.length;
          return '\\x' + m.padStart(2, '0');
        }
      case 'g': {
        const m = /^(?:\{(-?\d+)\}|(\d+))/.exec(p.slice(i));
        if (!m || (m[1] ?? '').startsWith('-')) fail('\\g reference');
        i += m![0].length;
        return '\\' + (m![1] ?? m![2]);
      }
      case 'k':
        if (p[i] === '<') return '\\k';
        if (p[i] === '{' || p[i] === "'") {
          const close = p[i] === '{' ? '}' : "'";
          const end = p.indexOf(close, i + 1);
          if (end < 0) fail('\\k reference');
          const name = p.slice(i + 1, end);
          i = end + 1;
          return '\\k<' + name + '>';
        }
        return fail('\\k');
      case 'd': case 'D': case 'w': case 'W': case 'b': case 'B': case 'n': case 'r': case 't': case 'f': case 'v':
        return '\\' + c;
      default:
        if (/[0-9]/.test(c)) {
          const m = /^\d*/.exec(p.slice(i))![0];
          i += m.length;
          return '\\' + c + m;
        }
        if (/[A-Za-z]/.test(c)) return fail('\\' + c);
        return '\\' + c;
    }
  };

  const classBody = (): string => {
    // at the character after `[` (and `^`)
    let body = '';
    let first = true;
    while (i < n) {
      const c = p[i];
      if (c === ']' && !first) {
        i++;
        return body;
      }
      first = false;
      if (c === ']') {
        body += '\\]';
        i++;
      } else if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        const name = end < 0 ? '' : p.slice(i + 2, end);
        const neg = name.startsWith('^');
        const cls = posixClasses[neg ? name.slice(1) : name];
        if (!cls || neg) fail(`POSIX class [:${name}:]`);
        body += cls;
        i = end + 2;
      } else if (c === '[') {
        body += '\\[';
        i++;
      } else if (c === '\\') {
        const e = p[i + 1];
        if (e === undefined) throw new PcreTranslateError('pattern ends with a backslash');
        if (e === 's') body += sSpace;
        else if (e === 'h') body += hSpace;
        else if (e === 'e') body += '\\x1b';
        else if (e === 'a') body += '\\x07';
        else if (e === 'x' && p[i + 2] === '{') {
          const end = p.indexOf('}', i + 2);
          const hex = end < 0 ? '' : p.slice(i + 3, end);
          if (!/^[0-9a-fA-F]{1,4}$/.test(hex)) fail('\\x{…} in a character class');
          body += '\\u' + hex.padStart(4, '0');
          i = end + 1;
          continue;
        } else if (e === 'S' || e === 'H' || e === 'R' || e === 'Q' || e === 'E' || e === 'p' || e === 'P' || e === 'N') fail('\\' + e + ' in a character class');
        else body += '\\' + e;
        i += 2;
      } else {
        body += c;
        i++;
      }
    }
    throw new PcreTranslateError('missing terminating ] for character class');
  };

  // `x*?` is lazy; a `+` right after a quantifier (not after a lazy one) makes it possessive
  const afterQuantifier = (): void => {
    lastQuantifiable = true;
    if (p[i] === '?') {
      out += '?';
      i++;
      lastQuantifiable = false;
    }
  };

  while (i < n) {
    const c = p[i];
    if (c === '\\') {
      out += escapeOutside();
      lastQuantifiable = false;
      continue;
    }
    if (c === '[') {
      i++;
      let neg = '';
      if (p[i] === '^') {
        neg = '^';
        i++;
      }
      out += '[' + neg + classBody() + ']';
      lastQuantifiable = false;
      continue;
    }
    if (c === '(') {
      if (p[i + 1] === '*') fail('backtracking verb (*…)');
      if (p[i + 1] === '?') {
        const rest = p.slice(i + 2);
        if (/^(?:[:=!]|<[=!])/.test(rest)) {
          out += '(?' + (rest[0] === '<' ? rest.slice(0, 2) : rest[0]);
          i += 2 + (rest[0] === '<' ? 2 : 1);
        } else if (/^(?:P?<)[A-Za-z_]\w*>/.test(rest)) {
          const m = /^(?:P?<)([A-Za-z_]\w*)>/.exec(rest)!;
          out += '(?<' + m[1] + '>';
          i += 2 + m[0].length;
        } else if (/^'[A-Za-z_]\w*'/.test(rest)) {
          const m = /^'([A-Za-z_]\w*)'/.exec(rest)!;
          out += '(?<' + m[1] + '>';
          i += 2 + m[0].length;
        } else if (/^P=[A-Za-z_]\w*\)/.test(rest)) {
          const m = /^P=([A-Za-z_]\w*)\)/.exec(rest)!;
          out += '\\k<' + m[1] + '>';
          i += 2 + m[0].length;
          lastQuantifiable = false;
          continue;
        } else if (rest[0] === '#') {
          const end = p.indexOf(')', i);
          if (end < 0) throw new PcreTranslateError('missing ) after (?# comment');
          i = end + 1;
          continue;
        } else if (/^[imsx-]*[imsx][imsx-]*:/.test(rest)) {
          const m = /^([imsx-]+):/.exec(rest)!;
          // only case folding maps onto JS modifiers; s, m and x change our own translation
          if (!/^(?:i|-i|i-)$/.test(m[1]) || m[1] === 'i-') fail(`(?${m[1]}:…)`);
          out += '(?' + m[1] + ':';
          i += 2 + m[0].length;
        } else {
          const what = rest.startsWith('>') ? 'atomic group (?>…)' : rest.startsWith('|') ? 'branch reset (?|…)' : rest.startsWith('(') ? 'conditional (?(…)…)' : /^[R\d&+-]|^P>/.test(rest) ? 'recursion / subroutine call' : `group (?${rest.slice(0, 3)}…`;
          fail(what);
        }
        lastQuantifiable = false;
        continue;
      }
      out += c;
      i++;
      lastQuantifiable = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (c === '+' && lastQuantifiable) fail('possessive quantifier');
      out += c;
      i++;
      afterQuantifier();
      continue;
    }
    if (c === '{') {
      const m = /^\{\d+(?:,\d*)?\}/.exec(p.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length;
        afterQuantifier();
        continue;
      }
      out += '\\{';
      i++;
      lastQuantifiable = false;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      i++;
      lastQuantifiable = false;
      continue;
    }
    if (c === '.') out += dot;
    else if (c === '$') out += dollar;
    else if (c === '^') out += caret;
    else if (c === '/') out += '\\/';
    else out += c;
    i++;
    lastQuantifiable = false;
  }
  try {
    return new RegExp(out, icase ? 'i' : '');
  } catch (e) {
    throw new PcreTranslateError((e as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}
