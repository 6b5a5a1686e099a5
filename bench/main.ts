// `npm run bench`: a performance report (never a timed test). Prints tables; `--json` prints one
// JSON object instead. `--quick` uses fewer repetitions for a fast look. The calibration section
// (bench-* scenarios against FIDELITY §C) takes a couple of minutes: `--calibration` runs it
// alone, `--no-calibration` skips it. The scenarios section (whole runs up to 100 brokers, each in
// a child process) takes longer still: `--scenarios` runs it alone, `--no-scenarios` skips it.

import { benchKernel, type KernelRow } from './kernel.ts';
import { benchNetwork, formatNetworkReport } from './network.ts';
import { benchChecker, checkerLines } from './checker.ts';
import { benchCalibration, calibrationLines, type CalibrationReport } from './calibration.ts';
import { benchScenarios, scenarioLines, type ScenarioBenchRow } from './scenarios.ts';

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const quick = args.has('--quick');
const calibrationOnly = args.has('--calibration');
const withCalibration = !args.has('--no-calibration');
const scenariosOnly = args.has('--scenarios');
const withScenarios = !args.has('--no-scenarios');

function formatRate(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(2)} M/s`;
}

function kernelReport(): KernelRow[] {
  const sizes = [1_000, 10_000, 100_000, 1_000_000];
  const rows = benchKernel(sizes, quick ? 1 : 5, (pending) => (pending >= 1_000_000 ? 2_000_000 : 3_000_000));
  if (!json) {
    console.log('Kernel: hold model (pop earliest, schedule at now + exponential delay), median of 5\n');
    const header = ['queue', ...sizes.map((s) => `${s.toLocaleString('en-US')} pending`)];
    const names = [...new Set(rows.map((r) => r.queue))];
    const table = names.map((name) => [
      name,
      ...sizes.map((s) => formatRate(rows.find((r) => r.queue === name && r.pending === s)!.eventsPerSecond)),
    ]);
    printTable(header, table);
    console.log('\nKernel Scheduler vs the reference heap (both with a handler per event):');
    for (const pending of sizes) {
      const ours = rows.find((r) => r.pending === pending && r.queue.startsWith('kernel Scheduler'))!;
      const best = Math.max(...rows.filter((r) => r.pending === pending && r.queue.startsWith('reference') && r.queue.includes('handler per event')).map((r) => r.eventsPerSecond));
      console.log(`  ${pending.toLocaleString('en-US').padStart(9)} pending: ${(ours.eventsPerSecond / best).toFixed(2)}x the best reference`);
    }
  }
  return rows;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

function networkReport(): ReturnType<typeof benchNetwork> {
  const network = benchNetwork({ quick });
  if (!json) console.log(`\n${formatNetworkReport(network).join('\n')}`);
  return network;
}

function checkerReport(): ReturnType<typeof benchChecker> {
  const rows = benchChecker(quick);
  if (!json) console.log(`\n${checkerLines(rows).join('\n')}`);
  return rows;
}

function calibrationReport(): CalibrationReport {
  const calibration = benchCalibration();
  if (!json) console.log(`\n${calibrationLines(calibration).join('\n')}`);
  return calibration;
}

function scenariosReport(): ScenarioBenchRow[] {
  const rows = benchScenarios({ quick });
  if (!json) console.log(`\n${scenarioLines(rows).join('\n')}`);
  return rows;
}

const report = calibrationOnly
  ? { calibration: calibrationReport() }
  : scenariosOnly
    ? { scenarios: scenariosReport() }
    : {
        kernel: kernelReport(),
        network: networkReport(),
        checker: checkerReport(),
        ...(withScenarios ? { scenarios: scenariosReport() } : {}),
        ...(withCalibration ? { calibration: calibrationReport() } : {}),
      };
if (json) console.log(JSON.stringify(report, null, 2));
