import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { questionSignals } from '../src/semantic/questionSignals.js';
import { STRATEGIES, resolveStrategy } from '../src/semantic/strategies.js';
import { Verifier } from '../src/semantic/verifier.js';
import { bundledVerifierWeights } from '../src/semantic/verifierModel.js';
import { isStrataError } from '../src/errors.js';
import { dot, normaliseVector } from '../src/semantic/embedder.js';
import { normalize } from '../src/semantic/normalize.js';
import { UseLiteEmbedder } from '../src/semantic/useLiteEmbedder.js';

function decide(strategy: keyof typeof STRATEGIES, asked: string, stored: string, similarity = 0.99) {
  return new Verifier(STRATEGIES[strategy]).decide(questionSignals(asked), questionSignals(stored), similarity);
}

describe('Verifier guards', () => {
  for (const strategy of ['conservative', 'smart', 'aggressive'] as const) {
    it(`${strategy}: never serves the iPhone 14 answer for the iPhone 15, in Spanish or English`, () => {
      const es = decide(strategy, 'precio del iPhone 15', 'precio del iPhone 14');
      assert.equal(es.hit, false);
      assert.match(es.reason, /numbers differ|codes differ/);
      assert.equal(decide(strategy, 'price of the iPhone 15', 'price of the iPhone 14').hit, false);
      assert.equal(decide(strategy, 'precio del iPhone 14', '¿Precio del iPhone 14?').hit, true);
    });
  }

  it('treats codes written apart, together or hyphenated alike, and different codes as a miss', () => {
    assert.equal(decide('smart', 'specs of the RTX-4090', 'specs of the rtx 4090').hit, true);
    assert.equal(decide('smart', 'specs of the RTX 4080', 'specs of the RTX 4090').reason, 'numbers differ');
    assert.equal(decide('smart', 'is the a15 chip fast', 'is the a16 chip fast').hit, false);
  });

  it('refuses a negated question for a plain one, except in aggressive', () => {
    assert.equal(decide('smart', 'can I return a product without the receipt', 'can I return a product with the receipt').reason, 'negation differs');
    assert.equal(decide('conservative', '¿no puedo pagar con tarjeta?', '¿puedo pagar con tarjeta?').reason, 'negation differs');
    assert.equal(decide('aggressive', "why don't cats like water", 'why do cats like water').hit, true);
  });

  it('refuses a different question type; smart lets what/how paraphrase each other', () => {
    assert.match(decide('smart', 'when does the store open', 'where is the store').reason, /question type/);
    assert.match(decide('smart', '¿Por qué falla la batería?', '¿Cuándo falla la batería?').reason, /question type differs \(why vs when\)/);
    assert.match(decide('smart', '¿Cuánto cuesta el envío?', '¿Cómo es el envío?').reason, /question type/);
    assert.equal(decide('smart', 'what is the best way to learn python', 'how do I learn python').hit, true);
    assert.match(decide('conservative', 'what is the best way to learn python', 'how do I learn python').reason, /question type/);
  });

  it('refuses very different lengths and low similarity', () => {
    assert.equal(decide('conservative', 'python book', 'best book to learn the python programming language quickly').reason, 'lengths differ too much');
    assert.match(decide('smart', 'how do I learn python', 'how can I learn python', 0.5).reason, /similarity 0.500 below/);
  });

  it('returns hit, similarity, score and reason on every decision', () => {
    const d = decide('smart', 'how do I learn python', 'how can I learn python', 0.93);
    assert.deepEqual(Object.keys(d).sort(), ['hit', 'reason', 'score', 'similarity', 'vetoed']);
    assert.equal(d.similarity, 0.93);
    assert.equal(d.score, 0.93, 'without a learned model the score is the cosine');
  });

  it('scores with the shipped learned model for the default embedder, and ranks a paraphrase above a different question', async () => {
    const model = bundledVerifierWeights()['use-lite-512'];
    assert.ok(model !== undefined, 'src/semantic/verifier-weights.json has a model for use-lite-512');
    const v = new Verifier(STRATEGIES.smart, model);
    assert.equal(v.learned, true);
    const texts = ['How can I learn Python fast?', 'How do I learn Python quickly?', 'How can I learn Java fast?'];
    const [q, para, other] = (await new UseLiteEmbedder().embed(texts.map((t) => normalize(t)))).map(normaliseVector);
    const [sq, sp, so] = texts.map((q) => questionSignals(q));
    const same = v.score(sq!, sp!, dot(q!, para!), { query: q!, candidate: para! });
    const different = v.score(sq!, so!, dot(q!, other!), { query: q!, candidate: other! });
    assert.ok(same > different, `${same} > ${different}`);
    assert.ok(same > 0 && same < 1);
    assert.throws(() => v.score(sq!, sp!, 0.9), (e) => isStrataError(e, 'INVALID_OPTION'), 'the model needs both embeddings');
  });

  it('rejects an unknown strategy name', () => {
    assert.throws(() => resolveStrategy('reckless' as 'smart'), (e) => isStrataError(e, 'INVALID_OPTION'));
  });
});

describe('Verifier: the attribute asked and the language', () => {
  for (const strategy of ['conservative', 'smart', 'aggressive'] as const) {
    it(`${strategy}: never serves the answer about another attribute of the same product, in Spanish or English`, () => {
      const pairs = [
        ['How much is the Acme X-200?', 'What warranty does the Acme X-200 have?'],
        ['price of the Acme X-200', 'Is the Acme X-200 in stock?'],
        ['¿Cuánto cuesta el Acme X-200?', '¿Qué garantía tiene el Acme X-200?'],
        ['¿Hay stock del Acme X-200?', '¿Cuánto cuesta el envío del Acme X-200?'],
        ['¿Se puede devolver el Acme X-200?', 'especificaciones del Acme X-200'],
      ];
      for (const [asked, stored] of pairs) {
        const d = decide(strategy, asked!, stored!);
        assert.equal(d.hit, false, `${asked} / ${stored}`);
        assert.equal(d.vetoed, true);
      }
      assert.match(decide(strategy, '¿Qué precio tiene el Acme X-200?', '¿Qué garantía tiene el Acme X-200?').reason, /attribute differs \(price vs warranty\)/);
    });
  }

  it('refuses an answer in another language', () => {
    assert.match(decide('smart', 'What is the warranty of the Acme X-200?', '¿Cuál es la garantía del Acme X-200?').reason, /language differs \(en vs es\)/);
  });

  it('serves the same attribute of the same product asked in other words, whatever the similarity', () => {
    // Wordings that are not among the simulation's templates.
    const same = [
      ["What's the cost of the iPhone 14?", 'iPhone 14 price'],
      ['How much are the Acme X-200 headphones?', 'Acme X-200 headphones: what do they cost?'],
      ['¿Cuánto sale el iPhone 14?', '¿Qué precio tiene el iPhone 14?'],
      ['¿Tenéis existencias del iPhone 14?', '¿Está agotado el iPhone 14?'],
      ['¿Qué garantía tiene el iPhone 14?', 'dime la garantía del iPhone 14'],
    ];
    for (const [asked, stored] of same) {
      const d = decide('conservative', asked!, stored!, 0.2);
      assert.deepEqual([d.hit, d.reason], [true, 'same canonical question'], `${asked} / ${stored}`);
    }
  });

  it('keeps a qualifier, another model or a negation out of the canonical match', () => {
    assert.equal(decide('smart', 'price of the iPhone 14 in red', 'price of the iPhone 14', 0.2).hit, false);
    assert.equal(decide('smart', 'price of the iPhone 15', 'How much is the iPhone 14?', 0.99).hit, false);
    assert.equal(decide('smart', 'is the iPhone 14 not available', 'is the iPhone 14 available', 0.99).hit, false);
    assert.equal(decide('smart', 'why is the iPhone 14 price so high', 'what is the iPhone 14 price', 0.2).hit, false);
  });

  it('sets aside the words naming the retrieved documents only when told them', () => {
    const context = 'Acme Wireless Headphones X-200';
    const long = questionSignals('How much are the Acme Wireless Headphones X-200?', { context });
    const short = questionSignals('X-200 price?', { context });
    assert.equal(long.canonical, short.canonical);
    assert.notEqual(questionSignals('How much are the Acme Wireless Headphones X-200?').canonical, questionSignals('X-200 price?').canonical);
    assert.equal(questionSignals('How much does the X-200 weigh?').canonical, undefined, 'a weight is not a price');
  });
});
