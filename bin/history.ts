import { statSync } from 'node:fs';
import path from 'node:path';
import { UserError, errorMessage, quote } from '../shared/errors.js';
import { writeFileAtomic } from '../shared/files.js';
import { parseDuration } from '../shared/inputs.js';
import { flakeStats } from '../shared/history/analysis.js';
import { DirectoryStore } from '../shared/history/directory-store.js';
import { displayKey, type HistoryRun } from '../shared/history/entry.js';
import {
  flakePolicy,
  parseBudget,
  parseDays,
  parseThreshold,
  type FlakePolicy,
} from '../shared/history/policy.js';
import { overBudget, quarantineFile } from '../shared/history/quarantine.js';
import { ginkgoSpecText } from '../actions/select-tests/inventory.js';
import { splitKey } from '../shared/history/keys.js';
import { CACHE_FOLDER, DEFAULT_ENVIRONMENT } from '../shared/history/spec.js';

/**
 * The id a quarantine file names a test by, as select-tests' inventories name it: Ginkgo's
 * spec text for a Ginkgo JUnit name (`[It] text [labels]`), else `classname.name`.
 */
export function quarantineId(key: string): string {
  return ginkgoSpecText(splitKey(key).name) ?? displayKey(key);
}
import { readProfile } from '../shared/profile-file.js';
import { DEFAULT_PROFILE, type Profile } from '../shared/profile.js';

/**
 * `virt-ci history [DIR | --dir D] [--environment E] [--period 7d] [--json FILE]
 * [--profile P] [--quarantine FILE] [--threshold "2 in 100"] [--expiry 14d] [--budget 0.5%]`:
 * what a history folder says per environment over a period — runs, pass rate, mean duration,
 * the flake rate against the environment's flake budget, the flakiest tests and the tests
 * failing in the newest run — as a table, and as JSON for other tools. `--quarantine` writes
 * the quarantine file select-tests reads, for one environment, by the profile's flake policy.
 */
export interface EnvironmentReport {
  environment: string;
  runs: number;
  /** Percent of test runs (skips left out) that passed. */
  passRate: number;
  meanDurationS: number;
  /** Flaky test runs over test runs (skips left out), 0–1, over the runs reported. */
  flakeRate: number;
  /** The environment's `flake.budget`, 0–1. */
  budget: number;
  overBudget: boolean;
  flaky: Array<{ id: string; rate: number; flakyRuns: number; runs: number }>;
  failingNow: string[];
}

export function historyReport(
  runs: readonly HistoryRun[],
  budgetOf: (environment: string) => number = () => 0.001,
): EnvironmentReport[] {
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
    const rates = [...flakeStats(list)].map(([id, f]) => ({ id, ...f }));
    const flakyRuns = rates.reduce((n, f) => n + f.flakyRuns, 0);
    const flaky = rates
      .filter((f) => f.flakyRuns > 0)
      .sort((a, b) => b.rate - a.rate || a.id.localeCompare(b.id))
      .map((f) => ({ ...f, id: displayKey(f.id) }));
    const newest = list[0];
    const budget = budgetOf(environment);
    const rate = ran ? flakyRuns / ran : 0;
    return {
      environment,
      runs: list.length,
      passRate: ran ? Math.round((passed / ran) * 1000) / 10 : 0,
      meanDurationS: Math.round(durationMs / list.length / 100) / 10,
      flakeRate: Math.round(rate * 1e6) / 1e6,
      budget,
      overBudget: rate > budget,
      flaky,
      failingNow: [...newest.tests]
        .filter(([, t]) => t.outcome === 'failed')
        .map(([id]) => displayKey(id)),
    };
  });
}

export { CACHE_FOLDER, DEFAULT_ENVIRONMENT };

/** The command's flags, each with what it takes (the help and the errors say the same). */
const FLAGS = {
  '--dir': 'the history folder (publish-junit\'s "history" folder)',
  '--environment': 'an environment name',
  '--period': 'days or a duration, e.g. 7d, 12h, 90m',
  '--json': 'a file to write the report to',
  '--profile': 'the profile file',
  '--quarantine': 'a file to write the quarantine to',
  '--threshold': '"N in M" with 1 ≤ N ≤ M ≤ 1000, e.g. "2 in 100"',
  '--expiry': 'whole days from 1, e.g. 14d',
  '--budget': 'a percentage from 0% to 100%, e.g. 0.5%',
} as const;
type Flag = keyof typeof FLAGS;
export const HISTORY_FLAGS = Object.keys(FLAGS) as Flag[];

export interface HistoryArgs {
  dir: string;
  /** How the folder was named, for messages: `--dir` or the positional `DIR`. */
  dirFlag: '--dir' | 'DIR';
  environment?: string;
  period?: { text: string; ms: number };
  json?: string;
  profile?: string;
  quarantine?: string;
  threshold?: { count: number; of: number };
  expiryDays?: number;
  budget?: number;
}

/** `7d`, `12h`, `90m`: a period back from now, in milliseconds. */
function parsePeriod(value: string): number {
  const days = /^\s*(\d+)\s*d\s*$/.exec(value);
  let ms = days ? Number(days[1]) * 86_400_000 : NaN;
  if (!days) {
    try {
      ms = parseDuration(value, '--period');
    } catch {
      ms = NaN;
    }
  }
  if (!(ms > 0))
    throw new UserError(`--period: ${quote(value)} is not a period; allowed: ${FLAGS['--period']}`);
  return ms;
}

/** The flags in `args`; one line naming the flag and what it allows when one is wrong. */
export function parseHistoryArgs(args: readonly string[]): HistoryArgs {
  const given = new Map<Flag, string>();
  let positional: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      if (positional !== undefined || given.has('--dir'))
        throw new UserError(
          `${quote(arg)}: unexpected; name the history folder once (DIR or --dir), and options start with --`,
        );
      positional = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(name in FLAGS))
      throw new UserError(
        `${name}: unknown option; allowed: ${HISTORY_FLAGS.join(', ')} (see virt-ci history --help)`,
      );
    const flag = name as Flag;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--')))
      throw new UserError(`${flag}: needs a value; allowed: ${FLAGS[flag]}`);
    if (given.has(flag)) throw new UserError(`${flag}: given twice; allowed: once`);
    if (flag === '--dir' && positional !== undefined)
      throw new UserError(`--dir: the history folder is already given as ${quote(positional)}`);
    given.set(flag, value);
  }
  const v = (f: Flag) => given.get(f);
  const out: HistoryArgs = {
    dir: v('--dir') ?? positional ?? CACHE_FOLDER,
    dirFlag: positional !== undefined ? 'DIR' : '--dir',
    environment: v('--environment'),
    json: v('--json'),
    profile: v('--profile'),
    quarantine: v('--quarantine'),
  };
  const period = v('--period');
  if (period !== undefined) out.period = { text: period, ms: parsePeriod(period) };
  const threshold = v('--threshold');
  if (threshold !== undefined) out.threshold = parseThreshold(threshold, '--threshold');
  const expiry = v('--expiry');
  if (expiry !== undefined) out.expiryDays = parseDays(expiry, '--expiry');
  const budget = v('--budget');
  if (budget !== undefined) out.budget = parseBudget(budget, '--budget');
  if (out.quarantine !== undefined && out.environment === undefined)
    throw new UserError(
      '--quarantine: needs --environment; allowed: one environment of the history, whose quarantine it is',
    );
  return out;
}

/** The `history` lines of `virt-ci --help`: every flag and what it takes. */
export const HISTORY_HELP = `  virt-ci history [DIR | --dir D] [--environment E] [--period 7d] [--json FILE]
                  [--profile P] [--quarantine FILE] [--threshold "2 in 100"] [--expiry 14d]
                  [--budget 0.5%]
                       what a test-history folder says per environment: runs, pass rate,
                       time a run, flake rate against the flake budget, flaky tests and
                       their rates, what fails in the newest run
      --dir D          the history folder, as publish-junit's history input names it
                       (default ${CACHE_FOLDER}, where history: cache restores); DIR alike
      --environment E  only this environment (the profile's name, or ${DEFAULT_ENVIRONMENT})
      --period P       only runs newer than this: days or a duration (7d, 12h, 90m)
      --json FILE      also write the report as JSON
      --profile P      the profile whose flake: settings give each environment's budget,
                       threshold and expiry (default ${DEFAULT_PROFILE} when present)
      --quarantine FILE
                       write the quarantine file select-tests reads (quarantine: FILE) for
                       --environment: the tests over the flake threshold, with reason and until
      --threshold T    flaky runs among a test's newest that quarantine it ("2 in 100");
                       wins over flake.threshold
      --expiry D       how long a quarantine entry lasts (14d); wins over flake.expiry
      --budget B       the flaky share of test runs allowed (0.5%); wins over flake.budget`;

interface CommandEnv {
  /** The folder relative paths are resolved against, and where the default profile is. */
  cwd?: string;
  now?: Date;
}

function historyFolder(a: HistoryArgs, cwd: string): string {
  const dir = path.resolve(cwd, a.dir);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) {
    const label = a.dirFlag === 'DIR' ? 'history folder' : '--dir';
    throw new UserError(
      `${label} ${quote(a.dir)}: ${st ? 'is not a folder' : 'does not exist'}; allowed: ${FLAGS['--dir']}`,
    );
  }
  return dir;
}

function loadProfile(a: HistoryArgs, cwd: string): Profile | undefined {
  const rel = a.profile ?? DEFAULT_PROFILE;
  const profile = readProfile(path.resolve(cwd, rel), rel);
  if (!profile && a.profile !== undefined)
    throw new UserError(
      `--profile ${quote(a.profile)}: does not exist; allowed: ${FLAGS['--profile']}`,
    );
  return profile;
}

/** An environment's flake policy: the profile's merged `flake:`, then the flags over it. */
function policyOf(a: HistoryArgs, profile: Profile | undefined, environment: string): FlakePolicy {
  const env = profile?.environments.find((e) => e.name === environment);
  const settings = env?.flake ?? profile?.defaults.flake ?? {};
  const where = profile
    ? `${profile.file}: ${env ? `environments.${env.name}` : 'defaults'}.flake`
    : 'flake';
  const p = flakePolicy(settings, where);
  if (a.threshold) Object.assign(p, a.threshold);
  if (a.expiryDays !== undefined) p.expiryDays = a.expiryDays;
  if (a.budget !== undefined) p.budget = a.budget;
  return p;
}

/** Writes a file the user named; one line naming the flag when it cannot be written. */
function writeNamed(flag: Flag, name: string, file: string, text: string): void {
  try {
    writeFileAtomic(file, text);
  } catch (err) {
    throw new UserError(
      `${flag} ${quote(name)}: cannot be written (${errorMessage(err)}); allowed: ${FLAGS[flag]}`,
    );
  }
}

/** Whether the profile names the environment (a step that named none files under `default`). */
function inProfile(profile: Profile, environment: string): boolean {
  return (
    environment === DEFAULT_ENVIRONMENT || profile.environments.some((e) => e.name === environment)
  );
}

/**
 * The environment must be one the history or the profile knows: a misspelt name would write
 * an empty quarantine. With --quarantine, the profile must define it, or the flags give the
 * whole policy, so it is never worked out from the wrong settings.
 */
async function checkEnvironment(
  a: HistoryArgs,
  store: DirectoryStore,
  profile: Profile | undefined,
): Promise<void> {
  const e = a.environment;
  if (e === undefined) return;
  const known = profile !== undefined && inProfile(profile, e);
  if (a.quarantine !== undefined && profile && !known && !(a.threshold && a.expiryDays)) {
    const names = [...profile.environments.map((x) => x.name), DEFAULT_ENVIRONMENT];
    throw new UserError(
      `--environment ${quote(e)}: not an environment of ${profile.file}, so it has no flake policy; allowed: ${names.join(', ')} (or give --threshold and --expiry)`,
    );
  }
  if (known) return;
  const any = await store.read({ environment: e, limit: 1 });
  if (any.runs.length || any.skipped.length) return;
  const envs = [...new Set((await store.read({ limit: 1 })).runs.map((r) => r.environment))];
  throw new UserError(
    `--environment ${quote(e)}: no runs of it in ${a.dir}; allowed: ${envs.length ? envs.sort().join(', ') : '(the folder holds no runs)'}`,
  );
}

const pct = (share: number, digits: number) => `${(share * 100).toFixed(digits)}%`;

/** Columns padded to their widest cell; numbers to the right. */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

function table(report: readonly EnvironmentReport[]): string[] {
  const rows = [['environment', 'runs', 'passed', 'time a run', 'flake rate', 'budget', '']];
  for (const r of report)
    rows.push([
      r.environment,
      String(r.runs),
      `${r.passRate.toFixed(1)}%`,
      `${r.meanDurationS}s`,
      pct(r.flakeRate, 2),
      pct(r.budget, 2),
      r.overBudget ? 'over budget' : 'within budget',
    ]);
  const lines = columns(rows);
  for (const r of report) {
    if (!r.flaky.length && !r.failingNow.length) continue;
    lines.push('', `${r.environment}:`);
    for (const f of r.flaky.slice(0, 10))
      lines.push(`  flaky ${pct(f.rate, 1)} (${f.flakyRuns} of ${f.runs}): ${f.id}`);
    for (const id of r.failingNow.slice(0, 10)) lines.push(`  failing now: ${id}`);
  }
  return lines;
}

/**
 * The quarantine of one environment, as publish-junit would work it out after the newest run:
 * its newest runs up to `flake.keep`, within `flake.period` unless --period says otherwise.
 */
function writeQuarantine(
  a: HistoryArgs & { quarantine: string; environment: string },
  runs: readonly HistoryRun[],
  policy: FlakePolicy,
  now: Date,
  file: string,
): string[] {
  const cutoff =
    a.period || policy.periodDays === undefined
      ? -Infinity
      : now.getTime() - policy.periodDays * 86_400_000;
  const recent = runs.filter((r) => Date.parse(r.time) >= cutoff).slice(0, policy.keep);
  // select-tests matches inventory ids, which are written as people read them.
  const entries = overBudget(recent, policy).map((e) => ({ ...e, id: quarantineId(e.id) }));
  writeNamed('--quarantine', a.quarantine, file, quarantineFile(entries));
  const until = new Date(now.getTime() + policy.expiryDays * 86_400_000).toISOString();
  return [
    `quarantine of ${a.environment}: ${entries.length} test(s) over ${policy.count} in ${policy.of}, until ${until.slice(0, 10)}; written to ${a.quarantine}`,
    ...entries.map((e) => `  ${e.id}: ${e.reason}`),
  ];
}

export async function historyCommand(
  args: string[],
  write = (s: string) => void process.stdout.write(s),
  env: CommandEnv = {},
): Promise<number> {
  const a = parseHistoryArgs(args);
  const cwd = env.cwd ?? process.cwd();
  const now = env.now ?? new Date();
  const dir = historyFolder(a, cwd);
  const profile = loadProfile(a, cwd);
  const store = new DirectoryStore(dir);
  await checkEnvironment(a, store, profile);
  const policies = new Map<string, FlakePolicy>();
  const policy = (e: string) => policies.get(e) ?? policies.set(e, policyOf(a, profile, e)).get(e)!;
  const since = a.period ? new Date(now.getTime() - a.period.ms) : undefined;
  const read = await store.read({ environment: a.environment, since });
  const lines = read.skipped.map((s) => `skipped ${s}`);
  const report = historyReport(read.runs, (e) => policy(e).budget);
  if (report.length === 0)
    lines.push(`no runs in ${a.dir}${a.period ? ` over the last ${a.period.text}` : ''}`);
  else lines.push(...table(report));
  if (a.json)
    writeNamed('--json', a.json, path.resolve(cwd, a.json), `${JSON.stringify(report, null, 2)}\n`);
  if (a.quarantine !== undefined && a.environment !== undefined) {
    const file = path.resolve(cwd, a.quarantine);
    const q = { ...a, quarantine: a.quarantine, environment: a.environment };
    lines.push('', ...writeQuarantine(q, read.runs, policy(a.environment), now, file));
  }
  write(lines.map((l) => `${l}\n`).join(''));
  return 0;
}
