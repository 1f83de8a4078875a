import * as test from 'vitest';
import Keyv from 'keyv';
import keyvTestSuite from '@keyv/test-suite';
import { createStrata } from '../../src/index.js';
import { StrataKeyvStore } from '../../src/adapters/keyvStore.js';

// One cache shared by every store the suite creates, as an application shares one Strata instance.
const cache = createStrata({ l3: false });
const store = () => new StrataKeyvStore(cache);

keyvTestSuite(test, Keyv, store);

test.it('keeps Strata as the backing store through Keyv', async () => {
  const keyv = new Keyv({ store: store() });
  await keyv.set('through-keyv', { n: 1 });
  test.expect(await keyv.get('through-keyv')).toEqual({ n: 1 });
  test.expect(await cache.get('keyv:through-keyv')).toBeTypeOf('string');
});
