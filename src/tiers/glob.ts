import { ErrorCode, StrataError } from '../errors.js';

/**
 * Redis-style glob patterns (as in `SCAN … MATCH`): `*` any run of characters, `?` one character,
 * `[abc]`, `[a-z]` and `[^abc]` one character of (or not of) a set, `\` makes the next character literal.
 * An unclosed `[` runs to the end of the pattern and `[]` matches nothing, as in Redis. Shared by the tiers so that L2 and L3 delete the same keys for one pattern.
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

/** The set opened by the `[` at `start`, read as Redis reads it, and the index of its closing `]`. */
function readClass(pattern: string, start: number): { source: string; end: number } {
  let i = start + 1;
  const negate = pattern[i] === '^';
  if (negate) i++;
  let body = '';
  while (i < pattern.length && pattern[i] !== ']') {
    const ch = pattern[i] as string;
    if (ch === '\\' && i + 1 < pattern.length) {
      body += escapeRegExp(pattern[i + 1] as string);
      i += 2;
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length) {
      // Redis takes the character after `-` even when it is `]`, and accepts reversed ranges (`[z-a]`).
      const high = pattern[i + 2] as string;
      const [from, to] = ch <= high ? [ch, high] : [high, ch];
      body += `${escapeRegExp(from)}-${escapeRegExp(to)}`;
      i += 3;
    } else {
      body += escapeRegExp(ch);
      i++;
    }
  }
  // `[]` matches nothing and `[^]` any character, as in Redis.
  const source = body === '' ? (negate ? '[\\s\\S]' : '(?!)') : `[${negate ? '^' : ''}${body}]`;
  return { source, end: Math.min(i, pattern.length - 1) };
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
      source += cls.source;
      i = cls.end;
      literal = false;
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
