import { contextWith, type Context, type ContextSource } from '../../shared/action/context.js';
import { Inputs, envInputSource } from '../../shared/inputs.js';
import { readProfile } from '../../shared/profile-file.js';
import { profileContext } from '../../shared/profile-context.js';

/**
 * A step's context as the runner would resolve it (the profile in the workspace read the same
 * way), made synchronously for tests that build options from inputs.
 */
export function testContext<N extends string>(action: string, source: ContextSource): Context<N> {
  const env = source.env ?? {};
  const inputs = new Inputs<'profile' | 'environment'>(source.inputs ?? envInputSource(env));
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  return contextWith<N>(action, { ...source, env }, profileContext(inputs, workspace, readProfile));
}
