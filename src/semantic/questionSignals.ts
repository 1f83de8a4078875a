import { ASKED_NOTHING, askedAttributes } from './askedAttributes.js';
import { guessLanguage, normalize, tokenize, type Language } from './normalize.js';

/** The kind of answer a question asks for; `open` covers what/which/how-style questions, which paraphrase each other. */
export type QuestionType = 'why' | 'when' | 'where' | 'who' | 'how-many' | 'what' | 'which' | 'how' | 'yes-no' | 'none';

/** What the verifier compares between two questions, computed once per text. */
export interface QuestionSignals {
  /** The normalised text (see `normalize`). */
  text: string;
  tokens: string[];
  /** Tokens that are not function words: the ones whose overlap says the questions are about the same thing. */
  content: Set<string>;
  /** Numbers written as digits or as small number words, as canonical strings. */
  numbers: Set<string>;
  /** Model numbers and codes: a token mixing letters and digits ("a15", "rtx4090"), or a word followed by a number ("iphone 14"). */
  codes: Set<string>;
  /** True when the question is negated an odd number of times. */
  negated: boolean;
  questionType: QuestionType;
  /** Character trigrams of the text with spaces, for typo-tolerant overlap. */
  trigrams: Map<string, number>;
  /** What a shop question asks about (price, stock, warranty…: src/semantic/asked-attributes.json); empty when none. */
  attributes: Set<string>;
  /** The language the question is written in (an answer is written in the language asked). */
  language: Language;
  /**
   * The question reduced to what it asks: language, attributes, codes, numbers, negation, the kind of question where
   * it changes the answer (why, when, where, who) and the content words (each as often as it occurs) left once the
   * attribute wording, the codes and the words naming the context are removed. Undefined when it asks no known
   * attribute.
   */
  canonical: string | undefined;
}

export interface QuestionSignalsOptions {
  /**
   * Text naming what the question's partition is already about (the titles of the retrieved documents): its words
   * are dropped from the canonical form, so "price of the Vega X-200 headphones" and "X-200 price" reduce alike.
   */
  context?: string;
}

// Question types whose answers differ even about the same attribute: "where can I buy it" is not "can I buy it".
const DECISIVE_TYPES: ReadonlySet<QuestionType> = new Set(['why', 'when', 'where', 'who']);

const NEGATIONS = new Set(['not', 'no', 'never', 'nor', 'without', 'cannot', 'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont', 'wouldnt', 'shouldnt', 'couldnt', 'havent', 'hasnt', 'nunca', 'jamas', 'sin', 'ni', 'tampoco', 'ningun', 'ninguna', 'ninguno', 'nada', 'nadie']);

const NUMBER_WORDS: Record<string, string> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10', eleven: '11', twelve: '12', twenty: '20', hundred: '100', thousand: '1000',
  cero: '0', uno: '1', dos: '2', tres: '3', cuatro: '4', cinco: '5', seis: '6', siete: '7', ocho: '8', nueve: '9', diez: '10', once: '11', doce: '12', veinte: '20', cien: '100', mil: '1000',
};

const FUNCTION_WORDS = new Set(
  ('a an the of to in on at for from by with and or but is are was were be been being am do does did i me my we our you your he she it its they them their this that these those there here as into about than then so can could would should will shall may might must has have had what whats why how hows when where wheres who whos which whom whose im ive id youre its ' +
    'el la los las un una unos unas de del al en por para con y o u e pero es son era ser fue esta este estos estas ese esa eso que se lo le les me te nos mi mis tu tus su sus como cual cuales cuando donde quien quienes cuanto cuanta cuantos cuantas porque hay puedo puede').split(' '),
);

// Ordered: the first rule that matches the start of the question wins ("how many" before "how").
const TYPE_RULES: [RegExp, QuestionType][] = [
  [/^(whys?|por que|porque|para que)\b/, 'why'],
  [/^(how (many|much)|cuant[oa]s?)\b/, 'how-many'],
  [/^(whens?|cuando|a que hora)\b/, 'when'],
  [/^(wheres?|donde|adonde|a donde)\b/, 'where'],
  [/^(whos?|whom|whose|quien|quienes)\b/, 'who'],
  [/^(which|cual|cuales)\b/, 'which'],
  [/^(whats?|que)\b/, 'what'],
  [/^(hows?|como)\b/, 'how'],
  [/^(is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|es|son|hay|puedo|puede|se puede|tiene)\b/, 'yes-no'],
];

/** Computes the signals of one question (raw or already normalised text). */
export function questionSignals(question: string, options: QuestionSignalsOptions = {}): QuestionSignals {
  const text = normalize(question);
  const tokens = tokenize(text);
  const numbers = new Set<string>();
  const codes = new Set<string>();
  /** Tokens that spell a number or a code: the canonical form keeps them as codes and numbers, not as words. */
  const codeParts = new Set<string>();
  let negations = 0;
  tokens.forEach((token, i) => {
    if (/^\p{N}+(?:[.,]\p{N}+)*$/u.test(token)) {
      numbers.add(canonicalNumber(token));
      codeParts.add(token);
      const previous = tokens[i - 1];
      if (previous !== undefined && /^\p{L}+$/u.test(previous) && !FUNCTION_WORDS.has(previous)) {
        codes.add(`${previous}${token}`);
        codeParts.add(previous);
      }
    } else if (NUMBER_WORDS[token] !== undefined) {
      numbers.add(NUMBER_WORDS[token]);
      codeParts.add(token);
    } else if (/\p{L}/u.test(token) && /\p{N}/u.test(token)) {
      codes.add(token);
      codeParts.add(token);
      for (const digits of token.match(/\p{N}+/gu) ?? []) numbers.add(canonicalNumber(digits));
    }
    if (NEGATIONS.has(token)) negations++;
  });
  const type = questionType(text);
  const negated = negations % 2 === 1;
  const language = guessLanguage(question);
  const asked = askedAttributes(text);
  let canonical: string | undefined;
  if (asked.attributes.size > 0) {
    const context = new Set(tokenize(normalize(options.context ?? '')));
    const left = tokenize(asked.remainder).filter((t) => !FUNCTION_WORDS.has(t) && !NEGATIONS.has(t) && !ASKED_NOTHING.has(t) && !codeParts.has(t) && !context.has(t));
    canonical = JSON.stringify([language, DECISIVE_TYPES.has(type) ? type : '', sorted(asked.attributes), sorted(codes), sorted(numbers), negated, left.sort()]);
  }
  return {
    text,
    tokens,
    content: new Set(tokens.filter((t) => !FUNCTION_WORDS.has(t) && !NEGATIONS.has(t))),
    numbers,
    codes,
    negated,
    questionType: type,
    trigrams: trigramCounts(text),
    attributes: asked.attributes,
    language,
    canonical,
  };
}

function sorted(values: ReadonlySet<string>): string[] {
  return [...values].sort();
}

function questionType(text: string): QuestionType {
  for (const [rule, type] of TYPE_RULES) if (rule.test(text)) return type;
  // A question may open with a clause ("In Python, how do I…"): look for a question word anywhere.
  const inner = /\b(whys?|por que|how (?:many|much)|cuant[oa]s?|whens?|cuando|wheres?|donde|whos?|quien|which|cual|whats?|que|hows?|como)\b/.exec(text);
  if (inner !== null) for (const [rule, type] of TYPE_RULES) if (rule.test(inner[0])) return type;
  return 'none';
}

function canonicalNumber(token: string): string {
  // Thousands separators and decimal commas vary by language; compare digits with one decimal point.
  const plain = /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(token) ? token.replace(/,/g, '') : token.replace(',', '.');
  const n = Number(plain);
  return Number.isFinite(n) ? String(n) : plain;
}

function trigramCounts(text: string): Map<string, number> {
  const padded = ` ${text} `;
  const counts = new Map<string, number>();
  for (let i = 0; i + 3 <= padded.length; i++) {
    const g = padded.slice(i, i + 3);
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return counts;
}
