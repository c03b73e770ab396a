import type { PromoteOptions } from '../../../actions/promote-digest/promote.js';

/** Options as the action would build them, quiet and with retry waits shrunk for tests. */
export function options(
  workspace: string,
  o: Partial<PromoteOptions> & Pick<PromoteOptions, 'source' | 'targets'>,
): PromoteOptions {
  return {
    credentials: new Map(),
    referrers: false,
    overwrite: true,
    verifyOnly: false,
    concurrency: 4,
    insecure: [],
    workspace,
    env: { VIRT_CI_RETRY_SCALE: '0.01' },
    ...o,
  };
}
