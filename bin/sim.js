#!/usr/bin/env node
// The `sim` command. The simulator is written in TypeScript; tsx compiles it on the fly
// (cached), so `npx sim …` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../sim/cli/main.ts');
process.exitCode = await main(process.argv);
