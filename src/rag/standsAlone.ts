// Words that point back at something said before. Spanish "él" keeps its accent here: folded it is the article "el".
const REFERRING_WORDS = new Set(
  [
    'it its itself that this these those they them their theirs he him his she her hers one ones there same former latter',
    'eso esto ese esa este esta esos esas estos estas aquel aquella aquello aquellos aquellas ello él ella ellos ellas mismo misma dicho dicha anterior',
  ]
    .join(' ')
    .split(' '),
);

// Openings that continue the previous turn ("and the X-300?", "¿y en azul?").
const CONTINUATIONS = ['and', 'also', 'what about', 'how about', 'y', 'e', 'también', 'tambien', 'entonces', 'pues', 'so'];

/** Fewer words than this and the question leans on the conversation for its subject ("¿cuánto cuesta?"). */
const MIN_WORDS = 3;

/**
 * Whether a question can be understood without the conversation before it: no referring word (it, that, they, eso,
 * él…), no continuation opening (and…, y…, what about…) and at least three words. Deliberately over-cautious: a
 * question wrongly judged dependent only loses cache reuse, one wrongly judged standalone could get another
 * conversation's answer.
 */
export function standsAlone(question: string): boolean {
  const words = question
    .toLowerCase()
    .normalize('NFC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
  if (words.length < MIN_WORDS) return false;
  if (words.some((w) => REFERRING_WORDS.has(w))) return false;
  const opening = words.slice(0, 2).join(' ');
  return !CONTINUATIONS.some((c) => opening === c || opening.startsWith(`${c} `));
}
