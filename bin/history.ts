import { writeFileSync } from 'node:fs';
import { parseDuration } from '../shared/inputs.js';
import { flakeRate } from '../shared/history/analysis.js';
import { DirectoryStore } from '../shared/history/directory-store.js';
import type { HistoryRun } from '../shared/history/entry.js';

/**
 * `virt-ci history DIR [--environment E] [--period 7d] [--json FILE]`: what a history folder
 * says per environment over a period — runs, pass rate, mean duration, the flakiest tests and
 * the tests failing in the newest run — as a table, and as JSON for other tools.
 */
export interface EnvironmentReport {
  environment: string;
  runs: number;
  passRate: number;
  meanDurationS: number;
  flaky: Array<{ id: string; rate: number; flakyRuns: number; runs: number }>;
  failingNow: string[];
}

export function historyReport(runs: readonly HistoryRun[]): EnvironmentReport[] {
  const byEnv = new Map<string, HistoryRun[]>();
  for (const r of runs) byEnv.set(r.environment, [...(byEnv.get(r.environment) ?? []), r]);
  return [...byEnv].map(([environment, list]) => {
    let passed = 0;
    let ran = 0;
    let durationMs = 0;
    const ids = new Set<string>();
    for (const r of list) {
      for (const [id, t] of r.tests) {
        ids.add(id);
        if (t.outcome === 'skipped') continue;
        ran++;
        if (t.outcome === 'passed') passed++;
        durationMs += t.durationMs;
      }
    }
    const flaky = [...ids]
      .map((id) => ({ id, ...flakeRate(id, list) }))
      .filter((f) => f.flakyRuns > 0)
      .sort((a, b) => b.rate - a.rate || a.id.localeCompare(b.id));
    const newest = list[0];
    return {
      environment,
      runs: list.length,
      passRate: ran ? Math.round((passed / ran) * 1000) / 10 : 0,
      meanDurationS: Math.round(durationMs / list.length / 100) / 10,
      flaky,
      failingNow: [...newest.tests].filter(([, t]) => t.outcome === 'failed').map(([id]) => id),
    };
  });
}

/** `7d`, `12h`, `90m`: a period back from now, in milliseconds. */
function periodMs(value: string): number {
  const days = /^(\d+)d$/.exec(value.trim());
  return days ? Number(days[1]) * 86_400_000 : parseDuration(value, '--period');
}

export async function historyCommand(
  args: string[],
  write = (s: string) => void process.stdout.write(s),
): Promise<number> {
  const [dir, ...rest] = args;
  if (!dir || dir.startsWith('-')) throw new Error('history: name the history folder');
  const opts: { environment?: string; period?: number; json?: string } = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new Error(`${flag}: needs a value`);
    if (flag === '--environment') opts.environment = value;
    else if (flag === '--period') opts.period = periodMs(value);
    else if (flag === '--json') opts.json = value;
    else throw new Error(`${flag}: unknown option (see virt-ci help)`);
  }
  const since = opts.period === undefined ? undefined : new Date(Date.now() - opts.period);
  const read = await new DirectoryStore(dir).read({ environment: opts.environment, since });
  for (const s of read.skipped) write(`skipped ${s}\n`);
  const report = historyReport(read.runs);
  if (report.length === 0) write(`no runs in ${dir}${opts.period ? ' over that period' : ''}\n`);
  for (const r of report) {
    write(`${r.environment}: ${r.runs} run(s), ${r.passRate}% passed, ${r.meanDurationS}s a run\n`);
    for (const f of r.flaky.slice(0, 10)) {
      write(`  flaky ${(f.rate * 100).toFixed(1)}% (${f.flakyRuns} of ${f.runs}): ${f.id}\n`);
    }
    for (const id of r.failingNow.slice(0, 10)) write(`  failing now: ${id}\n`);
  }
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}
