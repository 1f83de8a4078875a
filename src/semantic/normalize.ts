/** Languages the normaliser knows stop words for. */
export type Language = 'es' | 'en';

export interface NormalizeOptions {
  /** Drop the language's stop words (default false: embedders use them, and "not"/"no" carry meaning). */
  removeStopWords?: boolean;
  /** Language for stop words; guessed from the text when omitted. */
  language?: Language;
}

// Negations and question words are deliberately absent: dropping them would make "is it safe" equal "is it not
// safe", and "qué"/"cómo" (folded to que/como) tell the question type.
const STOP_WORDS: Record<Language, ReadonlySet<string>> = {
  en: new Set(
    'a an the of to in on at for from by with and or but is are was were be been being am do does did i me my we our you your he she it its they them their this that these those there here as into about than then so can could would should will shall may might must has have had please'.split(' '),
  ),
  es: new Set(
    'el la los las un una unos unas de del al a en por para con y o u e pero es son era eran ser fue fueron esta este estos estas ese esa esos esas aquel se lo le les me te nos mi mis tu tus su sus muy ya hay por favor puedo puede pueden'.split(' '),
  ),
};

const SPANISH_HINTS = new Set(['el', 'la', 'los', 'las', 'de', 'del', 'que', 'es', 'y', 'en', 'un', 'una', 'por', 'para', 'con', 'como', 'cual', 'cuanto', 'cuando', 'donde', 'quien', 'precio', 'puedo', 'mi', 'no', 'se']);
const ENGLISH_HINTS = new Set(['the', 'a', 'an', 'of', 'is', 'are', 'and', 'to', 'in', 'what', 'how', 'why', 'when', 'where', 'who', 'which', 'do', 'does', 'can', 'i', 'my', 'price', 'for']);

/**
 * Folds case and accents, drops punctuation (including ¿ and ¡) and squeezes whitespace, so that
 * "¿Cuál es el PRECIO del iPhone 14?" and "cual es el precio del iphone 14" compare equal.
 * An apostrophe inside a word is dropped ("what's" → "whats").
 * `ñ` is kept: it is a letter of its own in Spanish ("año" is not "ano"), so folding it to `n` would merge words.
 * Decimal numbers keep their point ("3.5" stays one token); a hyphen or slash between letters and digits splits
 * ("RTX-4090" → "rtx 4090") so product codes match however they are written.
 */
export function normalize(text: string, options: NormalizeOptions = {}): string {
  const folded = text
    .toLowerCase()
    .normalize('NFD')
    // n + combining tilde is ñ: keep that one mark, drop every other.
    .replace(/(n\u0303)|\p{M}+/gu, (_, enye: string | undefined) => (enye === undefined ? '' : 'ñ'))
    // Contractions stay one word ("don't" → "dont") so a negation does not fall apart into "don" and "t".
    .replace(/(\p{L})['’](\p{L})/gu, '$1$2');
  const tokens = tokenize(folded);
  if (options.removeStopWords !== true) return tokens.join(' ');
  const stop = STOP_WORDS[options.language ?? guessLanguage(folded)];
  const kept = tokens.filter((t) => !stop.has(t));
  return (kept.length > 0 ? kept : tokens).join(' ');
}

/** Splits already folded text into words and numbers (a decimal point or comma between digits stays inside). */
export function tokenize(folded: string): string[] {
  return folded.match(/\p{N}+(?:[.,]\p{N}+)*|[\p{L}\p{N}]+/gu) ?? [];
}

/** A cheap guess between Spanish and English from letters and common words; English when unsure. */
export function guessLanguage(text: string): Language {
  const lower = text.toLowerCase();
  if (/[ñ¿¡]/.test(lower)) return 'es';
  let es = /[áéíóú]/.test(lower) ? 2 : 0;
  let en = 0;
  for (const word of tokenize(lower.normalize('NFD').replace(/\p{M}+/gu, ''))) {
    if (SPANISH_HINTS.has(word)) es++;
    if (ENGLISH_HINTS.has(word)) en++;
  }
  return es > en ? 'es' : 'en';
}
