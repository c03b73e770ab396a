import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  applyOutcome,
  runAction,
  type ActionDefinition,
  type BaseDeps,
} from '../../shared/action/action.js';
import { collectLog, runnerLog } from '../../shared/action/log.js';
import { failed, type Outcome } from '../../shared/action/outcome.js';
import { processRunner, type Runner } from '../../shared/action/runner.js';
import { UserError } from '../../shared/errors.js';
import { parseFileCommands, parseWorkflowCommand } from '../../shared/harness/commands.js';

/** A runner over real GITHUB_* files in a temp folder, as the Actions runner provides them. */
function stepRunner(env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'action-test-'));
  const files = {
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_ENV: path.join(dir, 'env'),
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_PATH: path.join(dir, 'path'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  let stdout = '';
  let exitCode = 0;
  const runner = processRunner({
    env: { GITHUB_WORKSPACE: dir, ...files, ...env },
    write: (t) => {
      stdout += t;
    },
    setExitCode: (c) => {
      exitCode = c;
    },
  });
  return {
    runner,
    read: () => ({
      stdout,
      exitCode,
      lines: stdout.split('\n').filter(Boolean),
      commands: stdout
        .split('\n')
        .map((l) => parseWorkflowCommand(l))
        .filter((c) => c !== undefined),
      outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      env: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
      state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    }),
  };
}

type Input = 'profile' | 'environment' | 'name' | 'secret';
interface Options {
  name: string;
}
interface State {
  undo: string;
}

function definition(
  run: (o: Options, d: BaseDeps) => Promise<Outcome<unknown, State>>,
  post?: (s: State, d: BaseDeps) => Promise<Outcome>,
): ActionDefinition<Input, Options, BaseDeps, unknown, State> {
  return {
    name: 'demo-action',
    options: (ctx) => {
      const secret = ctx.inputs.string('secret');
      if (secret) ctx.mask(secret);
      return { name: ctx.inputs.required('name') };
    },
    deps: (_ctx, base) => base,
    run,
    ...(post
      ? {
          post: {
            version: 2,
            parse: (data: unknown): State => {
              const undo = (data as { undo?: unknown })?.undo;
              if (typeof undo !== 'string') throw new UserError('state: "undo" must be a string');
              return { undo };
            },
            run: post,
          },
        }
      : {}),
  };
}

describe('the action skeleton', () => {
  it('applies an outcome: masks first, then outputs, env, notes, warnings, annotations, summary', () => {
    const { runner, read } = stepRunner();
    applyOutcome(runner, 'demo-action', {
      outputs: { text: 'a\nb', count: 3, ok: true, list: ['x'], none: undefined },
      env: { VIRT_CI_X: '1' },
      secrets: ['s3cr3t'],
      notes: ['a note'],
      warnings: ['careful'],
      annotations: [{ level: 'error', message: 'bad', file: 'a,b.go', startLine: 4 }],
      summary: '### hello\n',
    });
    const r = read();
    expect(r.commands[0]).toEqual({ command: 'add-mask', properties: {}, message: 's3cr3t' });
    expect(r.outputs).toEqual({ text: 'a\nb', count: '3', ok: 'true', list: '["x"]' });
    expect(r.env).toEqual({ VIRT_CI_X: '1' });
    expect(r.lines).toContain('a note');
    expect(r.commands).toContainEqual({ command: 'warning', properties: {}, message: 'careful' });
    expect(r.commands).toContainEqual({
      command: 'error',
      properties: { file: 'a,b.go', line: '4' },
      message: 'bad',
    });
    expect(r.summary).toBe('### hello\n\n');
    expect(r.exitCode).toBe(0);
  });

  it('keeps what a failed run did and fails the step with one line', async () => {
    const { runner, read } = stepRunner({ INPUT_NAME: 'x' });
    await runAction(
      definition(async () =>
        failed(new UserError('input "name": x broke\nsecond line'), {
          outputs: { done: 'half' },
          summary: 'partial\n',
        }),
      ),
      runner,
    );
    const r = read();
    expect(r.exitCode).toBe(1);
    expect(r.outputs).toEqual({ done: 'half' });
    expect(r.summary).toBe('partial\n\n');
    const errors = r.commands.filter((c) => c.command === 'error').map((c) => c.message);
    expect(errors).toEqual(['input "name": x broke second line']);
  });

  it('names the action on an unexpected error, and shows the stack only with debug on', async () => {
    const boom = async (): Promise<Outcome<unknown, State>> => {
      throw new TypeError('undefined is not a function');
    };
    const plain = stepRunner({ INPUT_NAME: 'x' });
    await runAction(definition(boom), plain.runner);
    expect(plain.read().commands.filter((c) => c.command === 'error')[0].message).toBe(
      'demo-action: undefined is not a function',
    );
    expect(plain.read().commands.some((c) => c.command === 'debug')).toBe(false);
    const debug = stepRunner({ INPUT_NAME: 'x', RUNNER_DEBUG: '1' });
    await runAction(definition(boom), debug.runner);
    expect(debug.read().commands.find((c) => c.command === 'debug')?.message).toContain(
      'TypeError: undefined is not a function',
    );
  });

  it('masks an input secret before the work runs', async () => {
    const { runner, read } = stepRunner({ INPUT_NAME: 'x', INPUT_SECRET: 'hunter22' });
    const seen: string[] = [];
    await runAction(
      definition(async (_o, deps) => {
        seen.push(read().stdout);
        deps.log.info('working');
        return { outputs: {} };
      }),
      runner,
    );
    expect(seen[0]).toBe('::add-mask::hunter22\n');
  });

  it('reports a bad input from options() as one line and runs nothing', async () => {
    const { runner, read } = stepRunner();
    let ran = false;
    await runAction(
      definition(async () => {
        ran = true;
        return { outputs: {} };
      }),
      runner,
    );
    expect(ran).toBe(false);
    expect(read().commands.filter((c) => c.command === 'error')[0].message).toBe(
      'input "name" is required and was not given',
    );
  });

  it('saves versioned state for the post step, which validates it before use', async () => {
    const main = stepRunner({ INPUT_NAME: 'x' });
    const undone: string[] = [];
    const def = definition(
      async () => ({ outputs: {}, state: { undo: 'put it back' } }),
      async (s) => {
        undone.push(s.undo);
        return { outputs: {}, notes: [`undid: ${s.undo}`] };
      },
    );
    await runAction(def, main.runner);
    const saved = main.read().state;
    expect(saved['virt-ci-post']).toBe('true');
    expect(JSON.parse(saved['virt-ci-state'])).toEqual({
      action: 'demo-action',
      version: 2,
      data: { undo: 'put it back' },
    });

    const stateEnv = (state: Record<string, string>) =>
      Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const post = stepRunner({ INPUT_NAME: 'x', ...stateEnv(saved) });
    await runAction(def, post.runner);
    expect(undone).toEqual(['put it back']);
    expect(post.read().lines).toContain('undid: put it back');
    expect(post.read().exitCode).toBe(0);

    // State saved by another version is refused, not guessed at.
    const old = stepRunner({
      ...stateEnv(saved),
      'STATE_virt-ci-state': JSON.stringify({ action: 'demo-action', version: 1, data: {} }),
    });
    await runAction(def, old.runner);
    expect(old.read().exitCode).toBe(1);
    expect(old.read().commands.find((c) => c.command === 'error')?.message).toMatch(
      /saved state is demo-action version 1; this step reads demo-action version 2/,
    );

    // And state of the right version but the wrong shape fails in one line.
    const bad = stepRunner({
      ...stateEnv(saved),
      'STATE_virt-ci-state': JSON.stringify({ action: 'demo-action', version: 2, data: {} }),
    });
    await runAction(def, bad.runner);
    expect(bad.read().commands.find((c) => c.command === 'error')?.message).toBe(
      'state: "undo" must be a string',
    );
    expect(undone).toEqual(['put it back']);
  });

  it('has nothing to do in the post step when main saved nothing', async () => {
    const r = stepRunner({ 'STATE_virt-ci-post': 'true' });
    let ran = false;
    await runAction(
      definition(
        async () => ({ outputs: {} }),
        async () => {
          ran = true;
          return { outputs: {} };
        },
      ),
      r.runner,
    );
    expect(ran).toBe(false);
    expect(r.read().exitCode).toBe(0);
    expect(r.read().lines).toContain('demo-action (post): the main step saved nothing to undo.');
  });

  it('writes values holding newlines and delimiter-like text safely', () => {
    const { runner, read } = stepRunner();
    const tricky = 'line1\nghadelimiter_fake\nEOF\n';
    runner.setOutput('v', tricky);
    runner.exportVariable('E', 'x\ny');
    expect(read().outputs.v).toBe(tricky);
    expect(read().env.E).toBe('x\ny');
  });

  it('escapes workflow command data and properties the way the runner reads them', () => {
    const { runner, read } = stepRunner();
    runner.annotate('warning', '50% done\nnext', { title: 'a:b', file: 'x,y', startLine: 1 });
    expect(read().commands[0]).toEqual({
      command: 'warning',
      properties: { title: 'a:b', file: 'x,y', line: '1' },
      message: '50% done\nnext',
    });
  });

  it('gives the work a log that groups long output', async () => {
    const log = collectLog();
    const value = await log.group('install', async () => {
      log.info('apt-get install qemu');
      return 7;
    });
    expect(value).toBe(7);
    expect(log.lines).toEqual(['▸ install', 'apt-get install qemu']);
    const { runner, read } = stepRunner();
    const r: Runner = runner;
    r.startGroup('g');
    r.endGroup();
    expect(read().commands.map((c) => c.command)).toEqual(['group', 'endgroup']);
    // The runner has one level of groups: an inner one is a heading inside the outer.
    const nested = stepRunner();
    const runnerSide = runnerLog(nested.runner);
    await runnerSide.group('outer', () => runnerSide.group('inner', async () => undefined));
    expect(nested.read().lines).toEqual(['::group::outer', '── inner', '::endgroup::']);
  });
});
