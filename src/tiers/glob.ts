import { ErrorCode, StrataError } from '../errors.js';

/**
 * Redis-style glob patterns (as in `SCAN … MATCH`): `*` any run of characters, `?` one character,
 * `[abc]`, `[a-z]` and `[^abc]` one character of (or not of) a set, `\` makes the next character literal.
 * An unclosed `[` is a literal `[`. Shared by the tiers so that L2 and L3 delete the same keys for one pattern.
 */
export interface Glob {
  readonly pattern: string;
  /** Anchored at both ends. */
  readonly regExp: RegExp;
  /** The literal text every match starts with: tiers with ordered keys scan only that range. */
  readonly literalPrefix: string;
}

const REGEXP_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

function escapeRegExp(text: string): string {
  return text.replace(REGEXP_SPECIAL, '\\$&');
}

/** `null` if the `[` at `start` is not closed (it is then a literal). */
function readClass(pattern: string, start: number): { source: string; end: number } | null {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === ']' && !first) {
      // An empty class matches nothing, like Redis.
      const source = body === '' ? (negate ? '[\\s\\S]' : '(?!)') : `[${negate ? '^' : ''}${body}]`;
      return { source, end: i };
    }
    if (ch === '\\' && i + 1 < pattern.length) {
      body += escapeRegExp(pattern[i + 1] as string);
      i += 2;
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const low = ch;
      const high = pattern[i + 2] as string;
      // Redis accepts reversed ranges (`[z-a]`); a RegExp does not.
      const [from, to] = low <= high ? [low, high] : [high, low];
      body += `${escapeRegExp(from)}-${escapeRegExp(to)}`;
      i += 3;
    } else {
      body += escapeRegExp(ch);
      i++;
    }
    first = false;
  }
  return null;
}

export function compileGlob(pattern: string): Glob {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new StrataError(ErrorCode.INVALID_KEY, 'A key pattern must be a non-empty string such as "prefix:*".');
  }
  let source = '';
  let literalPrefix = '';
  let literal = true;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      source += '[\\s\\S]*';
      literal = false;
    } else if (ch === '?') {
      source += '[\\s\\S]';
      literal = false;
    } else if (ch === '[') {
      const cls = readClass(pattern, i);
      if (cls === null) {
        source += '\\[';
        if (literal) literalPrefix += '[';
      } else {
        source += cls.source;
        i = cls.end;
        literal = false;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i] as string;
      source += escapeRegExp(next);
      if (literal) literalPrefix += next;
    } else {
      source += escapeRegExp(ch);
      if (literal) literalPrefix += ch;
    }
  }
  return { pattern, regExp: new RegExp(`^${source}$`), literalPrefix };
}
