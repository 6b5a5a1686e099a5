// `sim validate <scenario…>`: checks each file and prints every error with its position, or
// "ok" with a one-line summary of what the scenario builds. Exit 2 when any file has errors.

import { loadScenario } from '../scenario/load.ts';
import { formatErrors, readScenarioText } from './scenario-file.ts';
import { UsageError } from './usage.ts';

export function validateCommand(files: string[]): number {
  let failed = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readScenarioText(file);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`${error.message}\n`);
      failed++;
      continue;
    }
    const result = loadScenario(text, file);
    if (result.ok) {
      const s = result.spec;
      process.stdout.write(
        `${file}: ok — ${s.cluster.brokers.length} brokers, ${s.topics.length} topics, ${s.producers.length} producers, ${s.consumers.length} consumer groups, ${s.faults.length} faults, ${s.expect.length} expectations\n`,
      );
    } else {
      process.stderr.write(`${formatErrors(result.errors)}\n`);
      failed++;
    }
  }
  return failed > 0 ? 2 : 0;
}
