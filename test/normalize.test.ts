import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { guessLanguage, normalize } from '../src/semantic/normalize.js';

describe('normalize', () => {
  it('folds case, accents, ¿¡ and punctuation so the same Spanish question compares equal', () => {
    assert.equal(normalize('¿Cuál es el PRECIO del iPhone 14?'), 'cual es el precio del iphone 14');
    assert.equal(normalize('  ¡Envío   GRATIS!  '), 'envio gratis');
  });

  it('keeps ñ distinct from n', () => {
    assert.equal(normalize('¿Cuántos AÑOS tiene?'), 'cuantos años tiene');
    assert.notEqual(normalize('año'), normalize('ano'));
  });

  it('keeps decimal numbers whole and splits codes written with a hyphen', () => {
    assert.equal(normalize('RTX-4090 at 3.5 GHz'), 'rtx 4090 at 3.5 ghz');
  });

  it('keeps contractions as one word', () => {
    assert.equal(normalize("Why don't cats like water?"), 'why dont cats like water');
  });

  it('drops stop words only when asked, and never negations or question words', () => {
    assert.equal(normalize('What is the price of the iPhone?', { removeStopWords: true }), 'what price iphone');
    assert.equal(normalize('¿Qué precio no tiene el iPhone?', { removeStopWords: true }), 'que precio no tiene iphone');
    assert.equal(normalize('What is the price of the iPhone?'), 'what is the price of the iphone');
  });

  it('guesses Spanish or English', () => {
    assert.equal(guessLanguage('¿Cuál es el precio?'), 'es');
    assert.equal(guessLanguage('cual es el precio del telefono'), 'es');
    assert.equal(guessLanguage('What is the price of the phone?'), 'en');
  });
});
