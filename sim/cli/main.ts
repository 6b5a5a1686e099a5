// The `sim` command line (DESIGN §12), built on commander. This file only declares the commands
// and maps outcomes to exit codes; each command's work lives in its own file under sim/cli/.
//
// Exit codes: 0 ok; 1 an expectation failed or an anomaly was found where none was expected;
// 2 usage or scenario error; 3 simulator bug (an assertion), always with the seed to reproduce.
// A user error never shows a stack trace.

import { Command, CommanderError } from 'commander';
import { SimAssertionError } from '../core/assert.ts';
import { packageVersion } from './version.ts';
import { UsageError, notBuilt } from './usage.ts';
import { validateCommand } from './validate.ts';
import { listCommand } from './list.ts';
import { runCommand, type RunCommandOptions } from './run.ts';
import { viewCommand } from './view.ts';
import { exploreCommand, type ExploreCommandOptions } from './explore.ts';

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function buildProgram(): Command {
  const program = new Command('sim')
    .description('kafka-sim: a deterministic simulator of an Apache Kafka cluster under failure')
    .version(packageVersion(), '-V, --version', 'print the kafka-sim version')
    .showHelpAfterError('(run `sim --help` for the commands)')
    .exitOverride();

  program
    .command('run')
    .description('run a scenario, print what happened and why, and write its trace')
    .argument('<scenario>', 'scenario YAML file')
    .option('--seed <n>', 'random seed (overrides the scenario)')
    .option('--out <file>', 'trace file (default traces/<name>-<seed>.ndjson)')
    .option('--detail <level>', 'trace detail: summary, standard or full', 'standard')
    .option('--set <key=value>', 'override a scenario field (repeatable)', collect, [])
    .option('--json', 'print one JSON summary object instead of the story')
    .option('--quiet', 'print nothing but errors; the exit code tells the verdict')
    .action((file: string, options: RunCommandOptions) => {
      process.exitCode = runCommand(file, options);
    });

  program
    .command('validate')
    .description('check scenario files and print their errors with positions')
    .argument('<scenario...>', 'scenario YAML files')
    .action((files: string[]) => {
      process.exitCode = validateCommand(files);
    });

  program
    .command('list')
    .description('list the bundled scenarios with one-line descriptions')
    .action(() => {
      process.exitCode = listCommand();
    });

  program
    .command('explore')
    .description('run many seeds with random fault plans and shrink each failure to a small scenario')
    .argument('<scenario>', 'scenario YAML file')
    .option('--seeds <n>', 'number of seeds', '1000')
    .option('--from <seed>', 'first seed', '1')
    .option('--workers <n>', 'worker threads (default: the number of cores)')
    .option('--shard <i/n>', 'run only shard i of n of the seeds')
    .option('--nemesis <kinds>', 'comma-separated fault kinds to draw from')
    .option('--json', 'print one JSON object')
    .action(async (file: string, options: ExploreCommandOptions) => {
      process.exitCode = await exploreCommand(file, options);
    });

  program
    .command('view')
    .description('serve the trace viewer on localhost and print its URL')
    .argument('[trace-or-scenario]', 'a trace (.ndjson) or scenario (.yaml) to open')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)')
    .action(async (target: string | undefined, options: { port?: string }) => {
      process.exitCode = await viewCommand(target, options.port === undefined ? {} : { port: Number(options.port) });
    });

  program
    .command('diff')
    .description('show the first event where two traces diverge')
    .argument('<traceA>')
    .argument('<traceB>')
    .action(() => notBuilt('diff', 'issue 8 (traces)'));

  program
    .command('export')
    .description('export a trace for other tools')
    .argument('<trace>')
    .requiredOption('--format <format>', 'perfetto or jepsen')
    .action(() => notBuilt('export', 'issue 9 (checker and exports)'));

  return program;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    return exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0; parse errors were already printed.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`sim: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof SimAssertionError) {
    process.stderr.write(`sim: ${error.message}\nThis is a bug in kafka-sim; please report it with the command above.\n`);
    return error.exitCode;
  }
  throw error;
}
