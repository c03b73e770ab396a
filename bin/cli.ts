import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  findRepoRoot,
  runWorkflowStep,
  type RunResult,
  type StepResult,
} from '../shared/harness/runner.js';
import { runDemo } from './demo/pipeline.js';
import { HISTORY_HELP, historyCommand } from './history.js';
import { lintWorkflow } from './lint.js';
import { syncReadmes } from './readme-tables.js';
import { renderMarkdown } from './terminal.js';

const HELP = `virt-ci — run the virt-ci actions locally, the way the GitHub runner runs them

usage:
  virt-ci run <action> [--environment E] [--profile FILE] [--input name=value]...
                       [--env NAME=value]... [--workspace DIR] [--event FILE] [--event-name NAME]
  virt-ci demo [--keep] play the pipeline (dev -> promote -> test environments) locally;
                       --keep leaves its workspace in place and prints where
  virt-ci lint [WORKFLOW]...
                       check the with: keys of every virt-ci step against the inputs its
                       action declares (default: .github/workflows/*.yml here)
${HISTORY_HELP}
  virt-ci docs [--check]
                       regenerate (or check) what is generated from each action.yml: the
                       inputs/outputs tables of its README and the names its code is typed by
  virt-ci <command> --help
                       this help

actions: setup-hypervisor, toggle-feature-gate, select-tests, publish-junit, promote-digest`;

function pairs(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} ${JSON.stringify(v)}: expected name=value`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export function parseRunArgs(argv: string[]) {
  const [action, ...rest] = argv;
  if (!action || action.startsWith('-')) throw new Error('run: name the action to run');
  const inputs: string[] = [];
  const env: string[] = [];
  const opts: { workspace?: string; event?: string; eventName?: string } = {};
  const named: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (!flag.startsWith('-'))
      throw new Error(`${JSON.stringify(flag)}: unexpected; options start with --`);
    if (value === undefined) throw new Error(`${flag}: needs a value`);
    i++;
    if (flag === '--input' || flag === '-i') inputs.push(value);
    else if (flag === '--env') env.push(value);
    else if (flag === '--environment') named.environment = value;
    else if (flag === '--profile') named.profile = value;
    else if (flag === '--workspace') opts.workspace = path.resolve(value);
    else if (flag === '--event') opts.event = path.resolve(value);
    else if (flag === '--event-name') opts.eventName = value;
    else throw new Error(`${flag}: unknown option (see virt-ci help)`);
  }
  return {
    action,
    inputs: { ...named, ...pairs(inputs, '--input') },
    env: pairs(env, '--env'),
    ...opts,
  };
}

/** The --event payload: one line naming the file and what is wrong with it. */
export function readEvent(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e.code ?? e.message})`;
    throw new Error(`--event ${JSON.stringify(file)}: ${why}; give a JSON webhook payload file`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(
      `--event ${JSON.stringify(file)}: not valid JSON (${(err as Error).message}); give a JSON webhook payload file`,
    );
  }
}

export function printResult(
  result: RunResult,
  write: (s: string) => void = (s) => process.stdout.write(s),
): void {
  const steps: Array<[string, StepResult]> = [['main', result]];
  if (result.post) steps.push(['post', result.post]);
  for (const [name, step] of steps) {
    write(
      `\n── ${name} step: ${step.exitCode === 0 ? 'succeeded' : `failed (exit ${step.exitCode})`}\n`,
    );
    for (const a of step.annotations) {
      const where = a.properties.file
        ? ` (${a.properties.file}${a.properties.line ? `:${a.properties.line}` : ''})`
        : '';
      const [first, ...rest] = a.message.split('\n');
      write(`  ${a.level}: ${first}${rest.length ? ' …' : ''}${where}\n`);
    }
    const outputs = Object.entries(step.outputs);
    if (outputs.length) {
      write('  outputs:\n');
      for (const [k, v] of outputs)
        write(`    ${k} = ${v.length > 200 ? `${v.slice(0, 197)}...` : v}\n`);
    }
    const env = Object.entries(step.env);
    if (env.length) {
      write('  exported env:\n');
      for (const [k, v] of env) write(`    ${k}=${v}\n`);
    }
    if (step.summary.trim()) write(`  job summary:\n${renderMarkdown(step.summary, '    ')}\n`);
  }
}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

/** A folder given on the command line must exist: a typo never creates one. */
function existingFolder(dir: string, flag: string): string {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) {
    throw new Error(`${flag} ${JSON.stringify(dir)}: ${st ? 'is not a folder' : 'does not exist'}`);
  }
  return dir;
}

/** `virt-ci lint`: one line per problem (file:line: message); 1 when there is any. */
function lintCommand(files: string[], cwd: string): number {
  // `cwd` is a parameter on purpose: ncc copies a folder named by a path it can work out at
  // build time (process.cwd() joined with constants) into the bundle.
  const dir = path.join(cwd, '.github', 'workflows');
  const targets = files.length
    ? files
    : existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => path.join(dir, f))
      : [];
  if (targets.length === 0)
    throw new Error('lint: no workflow given and none in .github/workflows');
  let problems = 0;
  for (const file of targets) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(
        `lint: ${JSON.stringify(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
      );
    }
    for (const p of lintWorkflow(text, path.relative(cwd, file) || file)) {
      console.log(`${p.file}:${p.line}: ${p.message}`);
      problems++;
    }
  }
  console.log(`virt-ci lint: ${targets.length} workflow(s), ${problems} problem(s)`);
  return problems ? 1 : 0;
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command && command !== 'help' && wantsHelp(rest)) {
      console.log(HELP);
      return 0;
    }
    switch (command) {
      case 'lint':
        return lintCommand(rest, process.cwd());
      case 'history':
        return await historyCommand(rest, undefined, { cwd: process.cwd() });
      case 'run': {
        const args = parseRunArgs(rest);
        const result = await runWorkflowStep({
          action: args.action,
          inputs: args.inputs,
          env: args.env,
          workspace: args.workspace ? existingFolder(args.workspace, '--workspace') : process.cwd(),
          event: args.event ? readEvent(args.event) : undefined,
          eventName: args.eventName,
          token: process.env.GITHUB_TOKEN,
          onLine: (line) => {
            if (!line.startsWith('::')) process.stdout.write(`  │ ${line}\n`);
          },
        });
        printResult(result);
        return result.exitCode === 0 && (result.post?.exitCode ?? 0) === 0 ? 0 : 1;
      }
      case 'demo':
        return await runDemo({ keep: rest.includes('--keep') });
      case 'docs': {
        const check = rest.includes('--check');
        const drifted = syncReadmes(findRepoRoot(), !check);
        for (const f of drifted) console.log(`${check ? 'out of date' : 'updated'}: ${f}`);
        return check && drifted.length ? 1 : 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return command === undefined ? 1 : 0;
      default:
        console.error(`virt-ci: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    console.error(`virt-ci: ${(err as Error).message}`);
    return 2;
  }
}
