import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError, quote } from './errors.js';
import type { Inputs } from './inputs.js';
import {
  DEFAULT_PROFILE,
  emptySettings,
  findEnvironment,
  workspaceDir,
  type Profile,
  type ProfileContext,
} from './profile.js';

/**
 * Read the common inputs `profile` and `environment`. A missing default profile is fine; a
 * missing explicit one is an error, and so is an environment with no profile to define it.
 */
export type ProfileReader = (file: string, displayName: string) => Profile | undefined;

export async function loadProfileContext(
  inputs: Inputs<'profile' | 'environment'>,
  workspace = workspaceDir(),
): Promise<ProfileContext> {
  // The YAML parser is loaded only when there is a profile to parse: most steps start faster.
  const file = path.resolve(workspace, profileInput(inputs));
  const read = existsSync(file) ? (await import('./profile-file.js')).readProfile : () => undefined;
  return profileContext(inputs, workspace, read);
}

/** loadProfileContext with the reader given: for callers that have the YAML parser loaded. */
export function profileContext(
  inputs: Inputs<'profile' | 'environment'>,
  workspace: string,
  read: ProfileReader,
): ProfileContext {
  const rel = profileInput(inputs);
  const explicit = rel !== DEFAULT_PROFILE;
  const profile = read(path.resolve(workspace, rel), rel);
  if (!profile && explicit) {
    throw new UserError(
      `input "profile": ${quote(rel)} does not exist (relative to the workspace)`,
    );
  }
  const envName = inputs.string('environment');
  if (!profile) {
    if (envName) {
      throw new UserError(
        `input "environment": ${quote(envName)} needs a profile, and ${rel} does not exist; add one or set the action's inputs directly`,
      );
    }
    return { settings: emptySettings() };
  }
  if (!envName) return { profile, settings: profile.defaults };
  const environment = findEnvironment(profile, envName);
  return { profile, environment, settings: environment };
}

// The runner fills in action.yml's default, so the default path itself counts as not given.
function profileInput(inputs: Inputs<'profile' | 'environment'>): string {
  return inputs.string('profile', { default: DEFAULT_PROFILE });
}
