/** A product of the simulated shop; `version` grows with every update, `price` changes with it. */
export interface SimProduct {
  id: string;
  code: string;
  nameEn: string;
  nameEs: string;
  price: number;
  stock: number;
  features: readonly string[];
  version: number;
}

export type Intent = 'price' | 'stock' | 'features' | 'compare';
export type Lang = 'en' | 'es';

/** A generated question and what it really asks (the simulation's source of truth). */
export interface SimQuestion {
  text: string;
  intent: Intent;
  lang: Lang;
  /** Ids of the products asked about, sorted. */
  productIds: readonly string[];
}

const TYPES = [
  { en: 'Wireless Headphones', es: 'Auriculares inalámbricos', prefix: 'X' },
  { en: 'Smartphone', es: 'Teléfono móvil', prefix: 'Q' },
  { en: 'Laptop', es: 'Portátil', prefix: 'L' },
  { en: 'Coffee Maker', es: 'Cafetera', prefix: 'C' },
  { en: 'Running Shoes', es: 'Zapatillas de running', prefix: 'R' },
  { en: 'Smart Watch', es: 'Reloj inteligente', prefix: 'W' },
  { en: 'Vacuum Cleaner', es: 'Aspiradora', prefix: 'V' },
  { en: 'Electric Bike', es: 'Bicicleta eléctrica', prefix: 'E' },
  { en: 'Monitor', es: 'Monitor', prefix: 'M' },
  { en: 'Blender', es: 'Batidora', prefix: 'B' },
];
const BRANDS = ['Acme', 'Nova', 'Orion', 'Vega', 'Zenit', 'Lumen'];
const FEATURES = ['waterproof', 'bluetooth 5.3', 'two-year warranty', 'fast charging', 'low noise', 'recycled materials', 'app control', 'long battery'];

/**
 * Question templates per intent and language; `{a}` and `{b}` are a product's name or code. The first template of
 * each list is the canonical wording used when paraphrases are off.
 */
const TEMPLATES: Record<Intent, Record<Lang, readonly string[]>> = {
  price: {
    en: ['How much is the {a}?', 'What does the {a} cost?', 'price of the {a}', '{a} price?', "What's the price of the {a}?", 'how much do you charge for the {a}'],
    es: ['¿Cuánto cuesta el {a}?', 'precio del {a}', '¿Qué precio tiene el {a}?', '¿A cuánto está el {a}?', '¿Cuál es el precio del {a}?', 'cuánto vale el {a}'],
  },
  stock: {
    en: ['Is the {a} in stock?', 'Do you have the {a} available?', 'is {a} available', 'can I buy the {a} today?', 'How many {a} units are left in stock?'],
    es: ['¿Hay stock del {a}?', '¿Tenéis el {a} disponible?', '¿Está disponible el {a}?', '¿Queda {a} en stock?', '¿Cuántas unidades del {a} quedan?'],
  },
  features: {
    en: ['What are the features of the {a}?', 'Tell me about the {a}', 'what can the {a} do?', 'specs of the {a}', 'Describe the {a} features'],
    es: ['¿Qué características tiene el {a}?', 'Háblame del {a}', 'especificaciones del {a}', '¿Qué ofrece el {a}?', 'Describe las características del {a}'],
  },
  compare: {
    en: ['Compare the {a} and the {b}', '{a} vs {b}', 'Which is better, the {a} or the {b}?', "What's the difference between the {a} and the {b}?"],
    es: ['Compara el {a} con el {b}', '{a} o {b}, ¿cuál es mejor?', '¿Qué diferencias hay entre el {a} y el {b}?', '¿Cuál es mejor, el {a} o el {b}?'],
  },
};

const INTENTS: readonly Intent[] = ['price', 'stock', 'features', 'compare'];
/** Compare questions are rarer than single-product ones. */
const INTENT_WEIGHTS = [0.35, 0.25, 0.25, 0.15];

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A catalogue where products of one type differ only by brand and model number ("X-200" vs "X-300"). */
export function generateCatalogue(count: number, random: () => number): SimProduct[] {
  const products: SimProduct[] = [];
  for (let i = 0; i < count; i++) {
    const type = TYPES[i % TYPES.length]!;
    const brand = BRANDS[Math.floor(random() * BRANDS.length)]!;
    const code = `${type.prefix}-${100 * (1 + Math.floor(i / TYPES.length))}`;
    const features = FEATURES.filter(() => random() < 0.4);
    products.push({
      id: `p${i + 1}`,
      code,
      nameEn: `${brand} ${type.en} ${code}`,
      nameEs: `${type.es} ${brand} ${code}`,
      price: Math.round(20 + random() * 1980),
      stock: Math.floor(random() * 50),
      features,
      version: 1,
    });
  }
  return products;
}

/** Draws product indexes with Zipf popularity: the product of rank r is asked with weight 1 / r^s. */
export function zipfSampler(count: number, exponent: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let r = 1; r <= count; r++) cumulative.push((total += 1 / r ** exponent));
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Generates questions: a product (or two) by Zipf popularity, an intent, a language, and — with paraphrases on — a
 * random template and a random choice of the product's name or bare code.
 */
export function questionGenerator(catalogue: readonly SimProduct[], options: { zipf: number; paraphrases: boolean }, random: () => number): () => SimQuestion {
  const pick = zipfSampler(catalogue.length, options.zipf, random);
  return () => {
    let u = random();
    let intentIndex = 0;
    while (intentIndex < INTENTS.length - 1 && u >= INTENT_WEIGHTS[intentIndex]!) u -= INTENT_WEIGHTS[intentIndex++]!;
    const intent = catalogue.length < 2 && INTENTS[intentIndex] === 'compare' ? 'price' : INTENTS[intentIndex]!;
    const lang: Lang = random() < 0.5 ? 'en' : 'es';
    const a = catalogue[pick()]!;
    let b = a;
    while (intent === 'compare' && b === a) b = catalogue[pick()]!;
    const templates = TEMPLATES[intent][lang];
    const template = options.paraphrases ? templates[Math.floor(random() * templates.length)]! : templates[0]!;
    const mention = (p: SimProduct): string => (options.paraphrases && random() < 0.3 ? p.code : lang === 'en' ? p.nameEn : p.nameEs);
    const text = template.replace('{a}', mention(a)).replace('{b}', mention(b));
    const productIds = intent === 'compare' ? [a.id, b.id].sort() : [a.id];
    return { text, intent, lang, productIds };
  };
}
