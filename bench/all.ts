/**
 * Every benchmark in turn, then one table of every goal they report. Each `bench:<name>`
 * script of package.json writes bench/results/<name>.json with a top-level
 * `"goals": [{ what, value, goal, met }]`; this reads those files back and prints them in one
 * table. A benchmark that cannot run on this machine (it exits non-zero without writing its
 * results) is shown as "not run", with the last line it printed as the reason, never with the
 * numbers of an older run.
 *
 *   npm run bench                                  run them all, then the table
 *   npm run bench -- --only startup,select-tests   run those only, and show only them
 *   npm run bench -- --table-only                  the table from the results already there
 *
 * Exits 1 when a goal is not met; a benchmark that could not run does not fail the run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot } from '../shared/harness/runner.js';

/** The order they run in; any other bench:<name> script runs after these. */
const ORDER = ['startup', 'setup-hypervisor', 'select-tests', 'publish-junit', 'promote-digest'];

interface Goal {
  what: string;
  value: number;
  goal: string;
  met: boolean;
}

interface Row {
  bench: string;
  what: string;
  value: string;
  goal: string;
  met: string;
}

interface Ran {
  /** Set when the benchmark did not leave fresh results: why. */
  notRun?: string;
}

const repoRoot = findRepoRoot(import.meta.dirname);
const resultsDir = path.join(repoRoot, 'bench', 'results');

function benchNames(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const found = Object.keys(pkg.scripts ?? {})
    .filter((s) => s.startsWith('bench:'))
    .map((s) => s.slice('bench:'.length));
  return [...ORDER.filter((n) => found.includes(n)), ...found.filter((n) => !ORDER.includes(n))];
}

function resultsFile(name: string): string {
  return path.join(resultsDir, `${name}.json`);
}

/**
 * `npm run bench:<name>`, its output passed through as it comes; the last line kept, as the
 * reason when it leaves no fresh results.
 */
function runBench(name: string): Promise<Ran> {
  const file = resultsFile(name);
  const before = existsSync(file) ? statSync(file).mtimeMs : -1;
  console.log(`\n── bench:${name}`);
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', `bench:${name}`], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let last = '';
    const keep = (chunk: Buffer, to: NodeJS.WriteStream) => {
      to.write(chunk);
      const lines = chunk
        .toString('utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      if (lines.length) last = lines[lines.length - 1];
    };
    child.stdout.on('data', (c: Buffer) => keep(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => keep(c, process.stderr));
    child.on('error', (err) => resolve({ notRun: `could not start npm: ${err.message}` }));
    child.on('close', (code, signal) => {
      const fresh = existsSync(file) && statSync(file).mtimeMs > before;
      if (fresh) resolve({});
      else {
        const how = signal ? `killed by ${signal}` : `exit ${code}`;
        resolve({ notRun: `${how}${last ? `: ${last}` : ''}` });
      }
    });
  });
}

function formatValue(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  return String(Math.abs(v) >= 100 ? Math.round(v) : +v.toPrecision(3));
}

/** The goals a results file reports, as rows; a file without them says so in one row. */
function rowsOf(name: string, file: string): Row[] {
  let data: { goals?: unknown };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as { goals?: unknown };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [{ bench: name, what: `unreadable results: ${why}`, value: '', goal: '', met: '?' }];
  }
  if (!Array.isArray(data.goals) || data.goals.length === 0) {
    return [{ bench: name, what: 'its results report no "goals"', value: '', goal: '', met: '?' }];
  }
  return (data.goals as Partial<Goal>[]).map((g) => ({
    bench: name,
    what: String(g.what ?? '?'),
    value: formatValue(g.value),
    goal: String(g.goal ?? '?'),
    met: g.met === true ? 'yes' : g.met === false ? 'NO' : '?',
  }));
}

function printTable(rows: Row[]): void {
  const head: Row = { bench: 'bench', what: 'what', value: 'value', goal: 'goal', met: 'met' };
  const cols = Object.keys(head) as (keyof Row)[];
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))]),
  ) as Record<keyof Row, number>;
  const line = (r: Row) =>
    cols
      .map((c) => (c === 'value' ? r[c].padStart(width[c]) : r[c].padEnd(width[c])))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(cols.map((c) => '-'.repeat(width[c])).join('  '));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, 'table-only': { type: 'boolean', default: false } },
  });
  const known = benchNames();
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = (only ?? []).filter((n) => !known.includes(n));
  if (unknown.length) {
    console.error(`bench: no bench:${unknown.join(', bench:')} script; known: ${known.join(', ')}`);
    return 2;
  }
  const chosen = only ?? known;
  const ran = new Map<string, Ran>();
  if (!values['table-only']) {
    for (const name of chosen) ran.set(name, await runBench(name));
  }
  // Results files no bench:<name> script writes are shown too, unless --only picks.
  const extra = only
    ? []
    : existsSync(resultsDir)
      ? readdirSync(resultsDir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -'.json'.length))
          .filter((n) => !known.includes(n))
      : [];
  const rows: Row[] = [];
  for (const name of [...chosen, ...extra]) {
    const notRun = ran.get(name)?.notRun;
    const file = resultsFile(name);
    if (notRun || !existsSync(file)) {
      const why = notRun ?? 'no results yet (run it without --table-only)';
      rows.push({ bench: name, what: `not run: ${why}`, value: '', goal: '', met: 'not run' });
    } else {
      rows.push(...rowsOf(name, file));
    }
  }
  console.log('');
  printTable(rows);
  return rows.some((r) => r.met === 'NO') ? 1 : 0;
}

process.exitCode = await main();
