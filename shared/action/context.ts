import { tmpdir } from 'node:os';
import { Inputs, envInputSource, type InputSource } from '../inputs.js';
import { loadProfileContext } from '../profile-context.js';
import type { ProfileContext } from '../profile.js';
import { githubContext, type GitHubContext } from './github.js';

/**
 * Everything a step knows before it does anything, resolved once: its inputs (typed by the
 * names in its action.yml), the profile and the chosen environment, the workspace and the
 * GitHub context. An action's `options(ctx)` reads this and nothing else.
 */
export interface Context<N extends string = string> {
  /** The action's name, for messages: `setup-hypervisor`. */
  action: string;
  inputs: Inputs<N>;
  profile: ProfileContext;
  workspace: string;
  /** RUNNER_TEMP, or the system's temporary directory outside a runner. */
  tempDir: string;
  github: GitHubContext;
  env: NodeJS.ProcessEnv;
  debug: boolean;
  /** Hide a value from every later log line (the runner's add-mask). */
  mask(secret: string): void;
}

export interface ContextSource {
  env?: NodeJS.ProcessEnv;
  /** Where input values come from; the runner's INPUT_* variables by default. */
  inputs?: InputSource;
  mask?: (secret: string) => void;
}

export async function resolveContext<N extends string>(
  action: string,
  source: ContextSource = {},
): Promise<Context<N>> {
  const env = source.env ?? process.env;
  const inputs = new Inputs<N>(source.inputs ?? envInputSource(env));
  // Every action.yml declares `profile` and `environment`; the profile is read here once.
  const profile = await loadProfileContext(
    inputs.as<'profile' | 'environment'>(),
    workspaceOf(env),
  );
  return contextWith(action, { ...source, inputs: (name) => inputs.raw(name as N) }, profile);
}

/** The context around a profile already read (tests read it themselves, synchronously). */
export function contextWith<N extends string>(
  action: string,
  source: ContextSource,
  profile: ProfileContext,
): Context<N> {
  const env = source.env ?? process.env;
  const workspace = workspaceOf(env);
  return {
    action,
    inputs: new Inputs<N>(source.inputs ?? envInputSource(env)),
    profile,
    workspace,
    tempDir: env.RUNNER_TEMP || tmpdir(),
    github: githubContext(env),
    env,
    debug: env.RUNNER_DEBUG === '1' || env.ACTIONS_STEP_DEBUG === 'true',
    mask: source.mask ?? (() => undefined),
  };
}

function workspaceOf(env: NodeJS.ProcessEnv): string {
  return env.GITHUB_WORKSPACE || process.cwd();
}
