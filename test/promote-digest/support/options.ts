import { silentLog } from '../../../shared/action/log.js';
import { scaledPolicy } from '../../../shared/retry.js';
import type {
  Deps,
  Options,
  PromoteDeps,
  PromoteRequest,
} from '../../../actions/promote-digest/types.js';

/** A promotion request as the action would build it. */
export function options(
  workspace: string,
  o: Partial<PromoteRequest> & Pick<PromoteRequest, 'source' | 'targets'>,
): PromoteRequest {
  return {
    credentials: new Map(),
    referrers: false,
    overwrite: true,
    verifyOnly: false,
    concurrency: 4,
    insecure: [],
    workspace,
    ...o,
  };
}

/** The step's options around a request: no Docker config, no record, no run facts. */
export function runOptions(
  workspace: string,
  o: Partial<Options> & Pick<Options, 'source' | 'targets'>,
): Options {
  return { record: '', run: {}, ...options(workspace, o), ...o };
}

/** What the work is given in tests: quiet, and every retry at once. */
export function deps(over: Partial<PromoteDeps> = {}): PromoteDeps {
  return { log: silentLog, retry: scaledPolicy(0), mask: () => undefined, ...over };
}

export function runDeps(over: Partial<Deps> = {}): Deps {
  return { log: silentLog, env: {}, retry: scaledPolicy(0), mask: () => undefined, ...over };
}
