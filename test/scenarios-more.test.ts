// The other half of the scenario library (see scenarios.test.ts).

import { describe } from 'vitest';
import { BUNDLED_SCENARIOS, expectationTests } from './scenario-files.ts';

describe('bundled scenarios (second half)', () => {
  expectationTests(BUNDLED_SCENARIOS.filter((_, index) => index % 2 === 1));
});
