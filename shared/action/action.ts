import { UserError, errorMessage } from '../errors.js';
import { SUMMARY_LIMIT_BYTES, trimToBytes } from '../summary.js';
import { resolveContext, type Context } from './context.js';
import { runnerLog, type Log } from './log.js';
import { outputString, type Outcome } from './outcome.js';
import { processRunner, type Runner } from './runner.js';

/**
 * The one skeleton every action and the root action share:
 *
 *     context = resolveContext()        once per step
 *     options = def.options(context)    the only place input names appear
 *     outcome = def.run(options, deps)  plain work; deps are injected
 *     apply(outcome)                    this file: the only place outcomes meet the runner
 *
 * Main and post steps run the same bundle (action.yml names it for both); a marker saved by
 * the main step tells them apart.
 */
export interface BaseDeps {
  log: Log;
  env: NodeJS.ProcessEnv;
}

export interface PostStep<S, D> {
  /** Bumped when the saved shape changes: a post step never reads another version's state. */
  version: number;
  /** Checks what was saved and returns it typed; throws when it is not what this version saves. */
  parse(data: unknown): S;
  run(state: S, deps: D): Promise<Outcome>;
}

export interface ActionDefinition<N extends string, O, D extends BaseDeps, R = unknown, S = never> {
  name: string;
  options(ctx: Context<N>): O | Promise<O>;
  /** The real dependencies; tests build their own and call `run` directly. */
  deps(ctx: Context<N>, base: BaseDeps): D;
  run(options: O, deps: D): Promise<Outcome<R, S>>;
  post?: PostStep<S, D>;
}

const POST_MARK = 'virt-ci-post';
const STATE_KEY = 'virt-ci-state';

interface SavedState {
  action: string;
  version: number;
  data: unknown;
}

export async function runAction<N extends string, O, D extends BaseDeps, R, S>(
  def: ActionDefinition<N, O, D, R, S>,
  runner: Runner = processRunner(),
): Promise<void> {
  const isPost = runner.getState(POST_MARK) === 'true';
  const step = isPost ? `${def.name} (post)` : def.name;
  try {
    if (!isPost) runner.saveState(POST_MARK, 'true');
    else if (!def.post) return;
    const ctx = await resolveContext<N>(def.name, {
      env: runner.env,
      inputs: (name) => runner.input(name),
      mask: (secret) => runner.setSecret(secret),
    });
    const deps = def.deps(ctx, { log: runnerLog(runner), env: ctx.env });
    if (isPost) {
      const state = readState(runner, def.name, def.post!);
      if (state === undefined) return;
      applyOutcome(runner, step, await def.post!.run(state, deps));
      return;
    }
    const outcome = await def.run(await def.options(ctx), deps);
    applyOutcome(runner, step, outcome, def.post ? def.post.version : undefined, def.name);
  } catch (err) {
    fail(runner, step, err);
  }
}

export function applyOutcome(
  runner: Runner,
  step: string,
  outcome: Outcome,
  stateVersion?: number,
  action = step,
): void {
  // Masks first: nothing below may print a secret before the runner knows it.
  for (const secret of outcome.secrets ?? []) if (secret) runner.setSecret(secret);
  for (const [name, value] of Object.entries(outcome.outputs)) {
    const text = outputString(value);
    if (text !== undefined) runner.setOutput(name, text);
  }
  for (const [name, value] of Object.entries(outcome.env ?? {})) runner.exportVariable(name, value);
  for (const note of outcome.notes ?? []) runner.info(note);
  for (const warning of outcome.warnings ?? []) runner.annotate('warning', warning);
  for (const { level, message, ...props } of outcome.annotations ?? []) {
    runner.annotate(level, message, props);
  }
  if (outcome.summary) {
    // One line break after each step's part, so the next step's summary starts on its own line.
    const text = trimToBytes(outcome.summary, SUMMARY_LIMIT_BYTES - 4096);
    runner.appendSummary(`${text}\n`);
  }
  if (outcome.state !== undefined && stateVersion !== undefined) {
    const saved: SavedState = { action, version: stateVersion, data: outcome.state };
    runner.saveState(STATE_KEY, JSON.stringify(saved));
  }
  if (outcome.failure) fail(runner, step, outcome.failure);
}

function readState<S, D>(runner: Runner, action: string, post: PostStep<S, D>): S | undefined {
  const raw = runner.getState(STATE_KEY);
  if (!raw) {
    runner.info(`${action} (post): the main step saved nothing to undo.`);
    return undefined;
  }
  let saved: Partial<SavedState>;
  try {
    saved = JSON.parse(raw) as Partial<SavedState>;
  } catch {
    throw new UserError(`${action} (post): the state saved by the main step is not JSON`);
  }
  if (saved.action !== action || saved.version !== post.version) {
    throw new UserError(
      `${action} (post): the saved state is ${saved.action ?? '?'} version ${saved.version ?? '?'}; this step reads ${action} version ${post.version} (were main and post run from different versions?)`,
    );
  }
  return post.parse(saved.data);
}

/** An error becomes one failure line; the stack only with debug logging on. */
export function fail(runner: Runner, step: string, err: unknown): void {
  const message = errorMessage(err).split(/\r?\n/)[0] || 'failed without a message';
  runner.setFailed(err instanceof UserError ? message : `${step}: ${message}`);
  if (runner.isDebug() && err instanceof Error && err.stack) runner.debug(err.stack);
}
