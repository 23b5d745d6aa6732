/**
 * Flow authors write JavaScript regexes (flags 'iu'); flows run them on RE2, whose syntax differs in a few
 * places. This rewrites a JavaScript pattern into the RE2 pattern with the same meaning, or says why there is
 * none (RE2 has no lookaround and no backreferences: they are what makes matching super-linear).
 */

// JavaScript's \s: ASCII whitespace, \v, every Unicode space separator (\p{Z}) and the BOM; RE2's \s is ASCII only.
const JS_SPACE = '\\t\\n\\v\\f\\r\\p{Z}\\x{FEFF}';
// JavaScript's `.` without the 's' flag stops at every line terminator; RE2's `.` only at \n.
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
const EMPTY_CLASSES: [string, string][] = [['[]', '[^\\x{0}-\\x{10FFFF}]'], ['[^]', '[\\x{0}-\\x{10FFFF}]']];
const LOOKAROUND = /^\(\?(?:=|!|<=|<!)/;
const HEX4 = /^u([0-9A-Fa-f]{4})/;
const LOW_SURROGATE = /^\\u(d[c-f][0-9a-f]{2})/i;
const HEX_BRACED = /^u\{([0-9A-Fa-f]+)\}/;
// JavaScript's long property forms; RE2 knows the bare names (\p{Greek}, \p{Lu}).
const PROPERTY = /^([pP])\{(?:Script|sc|General_Category|gc)=([A-Za-z_]+)\}/;

export type Re2Syntax = { re2: string } | { problem: string };

/** The RE2 form of a pattern that is valid JavaScript with the 'u' flag. */
export function toRe2Syntax(source: string): Re2Syntax {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; ) {
    const rest = source.slice(i);
    const ch = source[i]!;
    if (ch === '\\') {
      const escape = translateEscape(rest.slice(1), inClass);
      if ('problem' in escape) return escape;
      out += escape.re2;
      i += 1 + escape.length;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch === '[' ? '\\[' : ch; // '[' is a literal in a JavaScript class; RE2 would read [:alpha:]
      i += 1;
    } else if (ch === '[') {
      // JavaScript's [] matches nothing and [^] anything; RE2 would read that ']' as a member of the class.
      const open = EMPTY_CLASSES.find(([js]) => rest.startsWith(js)) ?? (rest.startsWith('[^') ? ['[^', '[^'] : ['[', '[']);
      out += open[1];
      i += open[0].length;
      inClass = !open[0].endsWith(']');
    } else if (LOOKAROUND.test(rest)) {
      return { problem: 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported: flow regexes run on a linear-time engine (RE2)' };
    } else {
      out += ch === '.' ? JS_DOT : ch;
      i += 1;
    }
  }
  return { re2: out };
}

/** One escape after its backslash: the RE2 text and how many characters of `rest` it used. */
function translateEscape(rest: string, inClass: boolean): { re2: string; length: number } | { problem: string } {
  const ch = rest[0];
  if (ch === undefined) return { re2: '\\', length: 0 };
  if (ch === 'k' || (ch >= '1' && ch <= '9')) return { problem: 'backreferences (\\1, \\k<name>) are not supported: flow regexes run on a linear-time engine (RE2)' };
  if (ch === 's') return { re2: inClass ? JS_SPACE : `[${JS_SPACE}]`, length: 1 };
  // Inside a class RE2 can only say its own \S (not ASCII whitespace): the one place \S keeps RE2's meaning.
  if (ch === 'S' && !inClass) return { re2: `[^${JS_SPACE}]`, length: 1 };
  if (ch === 'b' && inClass) return { re2: '\\x{8}', length: 1 };
  if (ch === '0') return { re2: '\\x{0}', length: 1 };
  if (ch === 'c' && /^c[A-Za-z]/.test(rest)) return { re2: codePoint(rest.charCodeAt(1) % 32), length: 2 };
  const property = PROPERTY.exec(rest);
  if (property) return { re2: `\\${property[1]}{${property[2]}}`, length: property[0].length };
  const braced = HEX_BRACED.exec(rest);
  if (braced) return { re2: `\\x{${braced[1]}}`, length: braced[0].length };
  const hex = HEX4.exec(rest);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = LOW_SURROGATE.exec(rest.slice(5));
    // With 'u', an escaped surrogate pair is one code point; RE2 wants the code point itself.
    if (high >= 0xd800 && high <= 0xdbff && low) return { re2: codePoint(0x10000 + ((high - 0xd800) << 10) + parseInt(low[1]!, 16) - 0xdc00), length: 11 };
    return { re2: codePoint(high), length: 5 };
  }
  return { re2: `\\${ch}`, length: 1 };
}

function codePoint(value: number): string {
  return `\\x{${value.toString(16).toUpperCase()}}`;
}
