import { UserError } from '../../shared/errors.js';
import { Inputs } from '../../shared/inputs.js';
import { loadProfileContext } from '../../shared/profile.js';

export async function main(inputs = new Inputs()): Promise<void> {
  const ctx = loadProfileContext(inputs);
  const where = ctx.environment ? ` for environment "${ctx.environment.name}"` : '';
  throw new UserError(
    `select-tests: not implemented yet${where}; the profile and common inputs were read`,
  );
}
