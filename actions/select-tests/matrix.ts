import type { Profile } from '../../shared/profile.js';

export type MatrixEntry = Record<string, string | number | boolean>;
export interface Matrix {
  include: MatrixEntry[];
}

/**
 * The profile's environments as a `strategy.matrix`: one entry per environment with its
 * name, hypervisor and label filter, plus the environment's own `matrix` fields (runs-on,
 * shard counts...), which may not replace those three.
 */
export function environmentMatrix(profile: Profile): Matrix {
  return {
    include: profile.environments.map((env) => {
      const entry: MatrixEntry = {
        environment: env.name,
        hypervisor: env.hypervisor ?? 'auto',
        'label-filter': env.tests.labelFilter ?? '',
      };
      for (const [k, v] of Object.entries(env.matrix)) if (!(k in entry)) entry[k] = v;
      return entry;
    }),
  };
}
