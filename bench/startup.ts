/**
 * Start-up benchmark: each bundle's quickest successful path against a bare `node -e 0`, both
 * under the Node 24 the runner uses, interleaved in one run (min and median of ROUNDS runs
 * each). The goal is a ratio of at most 2: a step that has nothing to do must not spend its
 * time loading clients it never calls. Writes bench/results/startup.json and prints a table.
 *
 * The quickest path of each action is the least work that still ends in success, with the
 * runner's GITHUB_* files in place so that outputs and the summary are really written.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  findNode24,
  findRepoRoot,
  inputVariable,
  readActionMetadata,
} from '../shared/harness/runner.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const GOAL = 2;

interface Case {
  /** The dist/ folder. */
  bundle: string;
  /** The action.yml whose defaults apply: an actions/ folder, or "root". */
  action: string;
  what: string;
  inputs: Record<string, string>;
  files?: Record<string, string>;
  /**
   * Run with an empty PATH: as on a fresh hosted runner, where no QEMU is installed yet (with
   * one, setup-hypervisor asks it for its version, which is work, not start-up).
   */
  noTools?: boolean;
  /** Shown for comparison; not held to the goal. */
  informational?: boolean;
}

const CASES: Case[] = [
  {
    bundle: 'setup-hypervisor',
    action: 'setup-hypervisor',
    what: 'emulation, no device access, no QEMU installed',
    inputs: { mode: 'emulation', 'device-access': 'false', verify: 'false' },
    noTools: true,
  },
  {
    bundle: 'setup-hypervisor',
    action: 'setup-hypervisor',
    what: 'the same with QEMU installed: asks it for its version',
    inputs: { mode: 'emulation', 'device-access': 'false', verify: 'false' },
    informational: true,
  },
  {
    bundle: 'toggle-feature-gate',
    action: 'toggle-feature-gate',
    what: 'dry run on a small kind config',
    inputs: { target: 'kind-config', path: 'kind.yaml', gates: 'A=true', 'dry-run': 'true' },
    files: { 'kind.yaml': 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n' },
  },
  {
    bundle: 'select-tests',
    action: 'select-tests',
    what: 'a label filter, no inventory',
    inputs: { 'label-filter': 'kvm && !flaky' },
  },
  {
    bundle: 'publish-junit',
    action: 'publish-junit',
    what: 'one small report, summary only',
    inputs: { paths: 'junit.xml', 'check-run': 'false' },
    files: {
      'junit.xml':
        '<testsuite name="s" tests="2"><testcase name="a" time="0.1"/><testcase name="b"/></testsuite>\n',
    },
  },
  {
    bundle: 'promote-digest',
    action: 'promote-digest',
    what: 'verify-only: resolve a local OCI layout tag to its digest',
    inputs: { source: 'oci:image:dev', 'verify-only': 'true' },
    files: ociLayout('image', 'dev'),
  },
  {
    bundle: 'virt-ci',
    action: 'root',
    what: 'emulation, no gate target, a label filter, no QEMU installed',
    inputs: { mode: 'emulation', 'device-access': 'false', verify: 'false', 'label-filter': 'kvm' },
    noTools: true,
  },
];

/** The files of a one-image OCI layout: a config, a manifest naming it, an index tagging it. */
function ociLayout(dir: string, tag: string): Record<string, string> {
  const blob = (text: string) => {
    const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    return { text, digest, size: Buffer.byteLength(text) };
  };
  const config = blob(
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config.digest,
        size: config.size,
      },
      layers: [],
    }),
  );
  const path = (d: string) => `${dir}/blobs/sha256/${d.slice('sha256:'.length)}`;
  return {
    [`${dir}/oci-layout`]: '{"imageLayoutVersion":"1.0.0"}',
    [`${dir}/index.json`]: JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifest.digest,
          size: manifest.size,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
    [path(config.digest)]: config.text,
    [path(manifest.digest)]: manifest.text,
  };
}

const repoRoot = findRepoRoot(import.meta.dirname);
const node = findNode24(repoRoot);

function prepare(c: Case, base: string): { env: NodeJS.ProcessEnv; entry: string; cwd: string } {
  const dir = mkdtempSync(path.join(base, `${c.bundle}-`));
  const workspace = path.join(dir, 'workspace');
  mkdirSync(workspace);
  for (const [name, text] of Object.entries(c.files ?? {})) {
    mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
    writeFileSync(path.join(workspace, name), text);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: c.noTools ? path.join(dir, 'no-tools') : process.env.PATH,
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: dir,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_EVENT_NAME: 'push',
  };
  for (const f of ['OUTPUT', 'ENV', 'STATE', 'PATH', 'STEP_SUMMARY']) {
    env[`GITHUB_${f}`] = path.join(dir, f.toLowerCase());
    writeFileSync(env[`GITHUB_${f}`]!, '');
  }
  const declared = readActionMetadata(repoRoot, c.action).inputs ?? {};
  for (const [name, spec] of Object.entries(declared)) {
    const given = c.inputs[name] ?? (spec.default === undefined ? '' : String(spec.default));
    env[inputVariable(name)] = given.replace(/\$\{\{\s*github\.token\s*\}\}/, '');
  }
  return { env, entry: path.join(repoRoot, 'dist', c.bundle, 'index.js'), cwd: workspace };
}

function time(args: string[], env: NodeJS.ProcessEnv, cwd: string, what: string): number {
  const t = performance.now();
  const r = spawnSync(node, args, { env, cwd, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) {
    throw new Error(`${what} exited ${r.status}: ${(r.stdout + r.stderr).trim().slice(-500)}`);
  }
  return ms;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
};

const base = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-bench-startup-'));
try {
  const prepared = CASES.map((c) => ({ c, ...prepare(c, base) }));
  const bare: number[] = [];
  const runs: number[][] = CASES.map(() => []);
  // One warm-up of each, so the first measured run does not pay for a cold file cache.
  time(['-e', '0'], process.env, base, 'node -e 0');
  for (const p of prepared) time([p.entry], p.env, p.cwd, p.c.bundle);
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(time(['-e', '0'], process.env, base, 'node -e 0'));
    prepared.forEach((p, i) => runs[i].push(time([p.entry], p.env, p.cwd, p.c.bundle)));
  }
  const b = stats(bare);
  const rows = prepared.map(({ c }, i) => {
    const s = stats(runs[i]);
    return {
      bundle: c.bundle,
      path: c.what,
      held: !c.informational,
      minMs: +s.min.toFixed(1),
      medianMs: +s.median.toFixed(1),
      ratioMin: +(s.min / b.min).toFixed(2),
      ratioMedian: +(s.median / b.median).toFixed(2),
    };
  });
  const result = {
    node: spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    rounds: ROUNDS,
    baseline: { what: 'node -e 0', minMs: +b.min.toFixed(1), medianMs: +b.median.toFixed(1) },
    goal: `each bundle's median ≤ ${GOAL}× the baseline's (rows with held: false are for comparison)`,
    bundles: rows,
    // One row per held bundle and statistic, for `npm run bench`: the median is the goal, the
    // minimum the one the issue also asks to keep under it.
    goals: rows
      .filter((r) => r.held)
      .flatMap((r) =>
        (['median', 'min'] as const).map((stat) => {
          const value = stat === 'median' ? r.ratioMedian : r.ratioMin;
          return {
            what: `start-up ${r.bundle} ÷ node -e 0 (${stat})`,
            value,
            goal: `<= ${GOAL}x`,
            met: value <= GOAL,
          };
        }),
      ),
  };
  mkdirSync(path.join(repoRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(
    path.join(repoRoot, 'bench', 'results', 'startup.json'),
    JSON.stringify(result, null, 2) + '\n',
  );
  console.log(
    `node -e 0 (${result.node}): min ${b.min.toFixed(1)} ms, median ${b.median.toFixed(1)} ms`,
  );
  console.log('bundle                min ms  median ms  ×min  ×median  path');
  for (const r of rows) {
    const mark = !r.held ? '·' : r.ratioMedian <= GOAL ? ' ' : '!';
    console.log(
      `${mark} ${r.bundle.padEnd(20)} ${String(r.minMs).padStart(6)} ${String(r.medianMs).padStart(10)} ${String(r.ratioMin).padStart(5)} ${String(r.ratioMedian).padStart(8)}  ${r.path}`,
    );
  }
  const over = rows.filter((r) => r.held && r.ratioMedian > GOAL);
  if (over.length) {
    console.log(`over the goal (${GOAL}×): ${over.map((r) => r.bundle).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
