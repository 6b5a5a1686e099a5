// Every fast-check property in the node suite runs from a fixed seed, so CI is reproducible and a
// failure seen once is seen again. FC_SEED picks another seed and FC_RUNS more runs, to search
// further by hand (`FC_SEED=7 FC_RUNS=2000 npx vitest run test/clients/assignors.test.ts`);
// properties that set their own seed or run count keep them.
import fc from 'fast-check';

const seed = process.env.FC_SEED === undefined ? 20_261_121 : Number(process.env.FC_SEED);
const runs = process.env.FC_RUNS === undefined ? undefined : Number(process.env.FC_RUNS);
fc.configureGlobal({ seed, ...(runs === undefined ? {} : { numRuns: runs }) });
