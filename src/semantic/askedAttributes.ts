import lexicon from './asked-attributes.json' with { type: 'json' };

/** The attributes a question asks about (`price`, `stock`…) and the text left once their wording is removed. */
export interface AskedAttributes {
  /** Names of the attributes of src/semantic/asked-attributes.json the question asks about. */
  attributes: Set<string>;
  /** The normalised text with every attribute phrase cut out. */
  remainder: string;
}

interface Lexicon {
  attributes: Record<string, string[]>;
  askingWords: string[];
}

const LEXICON = lexicon as unknown as Lexicon;
const PATTERNS: readonly (readonly [string, RegExp])[] = Object.entries(LEXICON.attributes).flatMap(([name, patterns]) => patterns.map((p) => [name, new RegExp(p, 'g')] as const));

/** Words that only carry the act of asking ("tell me", "tenéis"): they say nothing about what is asked. */
export const ASKED_NOTHING: ReadonlySet<string> = new Set(LEXICON.askingWords);

/**
 * Finds what a shop question asks about a product, from the data-driven lexicon in asked-attributes.json
 * (English and Spanish). Two questions about the same product asking different attributes (price vs warranty) need
 * different answers however alike their words are, which an embedding of the whole sentence hardly sees.
 */
export function askedAttributes(normalisedText: string): AskedAttributes {
  const attributes = new Set<string>();
  let remainder = normalisedText;
  for (const [name, pattern] of PATTERNS) {
    pattern.lastIndex = 0;
    if (!pattern.test(normalisedText)) continue;
    attributes.add(name);
    remainder = remainder.replace(pattern, ' ');
  }
  return { attributes, remainder };
}
