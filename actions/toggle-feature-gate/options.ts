import path from 'node:path';
import type { Context } from '../../shared/action/context.js';
import { UserError, quote } from '../../shared/errors.js';
import { parseDuration } from '../../shared/inputs.js';
import { GATE_TARGETS, type GateTarget } from '../../shared/profile.js';
import { normalizeHypervisor, type Wanted } from './edits.js';
import { gateRequestFromMap, isEmpty, parseGateInput } from './gates.js';
import type { Input } from './names.gen.js';
import type { Options, TargetSource, WantedGates } from './types.js';

/**
 * The step's inputs, with the profile's environment as their fallback (an explicit input wins,
 * then the profile, then the default), read into typed Options. The only module that names
 * inputs — also in the root action's rule for whether this step has anything to do.
 */

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** Each live kind's usual name where it is installed by its operator's defaults. */
const DEFAULT_NAMES: Record<GateTarget, { namespace: string; name: string }> = {
  kubevirt: { namespace: 'kubevirt', name: 'kubevirt' },
  hco: { namespace: 'kubevirt-hyperconverged', name: 'kubevirt-hyperconverged' },
  cdi: { namespace: '', name: 'cdi' },
  overlay: { namespace: 'kubevirt', name: 'kubevirt' },
  'kind-config': { namespace: '', name: '' },
  resource: { namespace: '', name: '' },
};

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function checkName(value: string, input: string): string {
  if (value !== '' && (!DNS_NAME.test(value) || value.length > 253)) {
    throw new UserError(
      `input "${input}": ${quote(value)} is not a Kubernetes object name; allowed: lower-case letters, digits, "-" and "."`,
    );
  }
  return value;
}

/**
 * `resource` is either the object's API path (`/apis/example.io/v1/namespaces/ns/widgets/w`)
 * or `group/version/plural` (`v1/configmaps` for the core group) completed with namespace and
 * name.
 */
export function resourcePath(resource: string, namespace: string, name: string): string {
  if (resource.startsWith('/')) {
    if (!/^\/(api|apis)\/[^?#\s]+$/.test(resource)) {
      throw new UserError(
        `input "resource": ${quote(resource)} is not an API path; allowed: /api/v1/... or /apis/<group>/<version>/...`,
      );
    }
    return resource;
  }
  const parts = resource.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9][a-z0-9.-]*$/.test(p))) {
    throw new UserError(
      `input "resource": ${quote(resource)} is not <group>/<version>/<plural> (or v1/<plural> for the core group) nor an API path`,
    );
  }
  if (!name) throw new UserError('input "name" is required for target resource');
  const [prefix, plural] =
    parts.length === 2
      ? [`/api/${parts[0]}`, parts[1]]
      : [`/apis/${parts[0]}/${parts[1]}`, parts[2]];
  const ns = namespace ? `/namespaces/${namespace}` : '';
  return `${prefix}${ns}/${plural}/${name}`;
}

type Ctx = Context<Input>;

/** A profile value, or nothing when the profile's settings are for another target. */
type FromProfile = <T>(value: T | undefined) => T | undefined;

export function options(ctx: Ctx): Options {
  const wanted = wantedGates(ctx);
  const plan = gatePlan(wanted);
  if (!plan.set) {
    throw new UserError(
      `input "gates": ${plan.why}; give Name=true,Other=false (comma or newline separated)`,
    );
  }
  const g = ctx.profile.settings.gates;
  // Profile settings of another target (its namespace, name) would point at the wrong object
  // when the input picks a different target, so they only count when the targets agree.
  const applies =
    wanted.targetFrom !== 'input' || g.target === undefined || g.target === wanted.target;
  const fromProfile: FromProfile = (v) => (applies ? v : undefined);
  const { inputs } = ctx;
  const place = objectName(ctx, wanted.target, fromProfile);
  const opts: Options = {
    ...wanted,
    ...place,
    kubeconfig: inputs.string('kubeconfig', { profile: fromProfile(g.kubeconfig) }) || undefined,
    format: inputs.enum('format', ['auto', 'list', 'map', 'string'] as const, { default: 'auto' }),
    wait: inputs.boolean('wait', { default: true }),
    timeoutMs: timeout(ctx, fromProfile),
    restore: inputs.boolean('restore', { default: false }),
    dryRun: inputs.boolean('dry-run', { default: false }),
    workspace: ctx.workspace,
  };
  if (wanted.target === 'overlay' || wanted.target === 'kind-config') {
    Object.assign(opts, filePath(ctx, wanted.target, fromProfile));
  }
  if (wanted.target === 'resource') Object.assign(opts, resourceTarget(ctx, place));
  return opts;
}

/**
 * The target and what is to be set on it: enough to tell whether the step has anything to do
 * (gatePlan), without the errors of settings it would not need then (a missing `path`).
 */
export function wantedGates(ctx: Ctx): WantedGates {
  const { inputs, profile } = ctx;
  const g = profile.settings.gates;
  const target = inputs.enum('target', GATE_TARGETS, { profile: g.target, default: 'kubevirt' });
  const targetFrom: TargetSource = inputs.has('target')
    ? 'input'
    : g.target !== undefined
      ? 'profile'
      : 'default';
  const gates = inputs.has('gates')
    ? parseGateInput(inputs.raw('gates'))
    : gateRequestFromMap(Object.entries(g.values), `${profile.profile?.file ?? 'profile'}: gates`);
  return {
    target,
    targetFrom,
    want: { gates, ...kubevirtSettings(ctx, target) },
    environment: profile.environment?.name,
  };
}

const KUBEVIRT_SHAPED: ReadonlySet<GateTarget> = new Set(['kubevirt', 'overlay']);

/** useEmulation and the hypervisor list: settings of the KubeVirt CR only. */
function kubevirtSettings(ctx: Ctx, target: GateTarget): Omit<Wanted, 'gates'> {
  const { inputs } = ctx;
  const { settings } = ctx.profile;
  const kubevirtShaped = KUBEVIRT_SHAPED.has(target);
  let emulation: boolean | undefined;
  if (inputs.has('emulation')) emulation = inputs.boolean('emulation');
  // An environment that runs on emulation (seed: test-emulation, "force emulation mode")
  // needs KubeVirt's useEmulation too, unless the profile says otherwise.
  else if (kubevirtShaped)
    emulation =
      settings.gates.emulation ?? (settings.hypervisor === 'emulation' ? true : undefined);
  const hvRaw = inputs.has('hypervisor')
    ? inputs.raw('hypervisor')
    : kubevirtShaped
      ? settings.gates.hypervisor
      : undefined;
  const hypervisor = hvRaw ? normalizeHypervisor(hvRaw) : undefined;
  if (!kubevirtShaped && (emulation !== undefined || hypervisor !== undefined)) {
    throw new UserError(
      `input "${emulation !== undefined ? 'emulation' : 'hypervisor'}": only the KubeVirt CR has this setting; allowed with target kubevirt or overlay, not ${target}`,
    );
  }
  return { emulation, hypervisor };
}

export interface GatePlan {
  /** The step has something to set. */
  set: boolean;
  /** Why (not), for a log line: "target kubevirt", "no gates given and environment …". */
  why: string;
}

/**
 * Is there anything to set — gates, useEmulation or a hypervisor? The action itself fails when
 * not. The root action asks with `requireTarget`: it runs this step only where a target is
 * configured (input or profile), and skips it otherwise rather than failing.
 */
export function gatePlan(
  o: Pick<WantedGates, 'target' | 'targetFrom' | 'want' | 'environment'>,
  opts: { requireTarget?: boolean } = {},
): GatePlan {
  if (opts.requireTarget && o.targetFrom === 'default') {
    return {
      set: false,
      why: 'no gate target is configured (input "target" or the profile\'s gates.target)',
    };
  }
  const { gates, emulation, hypervisor } = o.want;
  if (isEmpty(gates) && emulation === undefined && hypervisor === undefined) {
    const where = o.environment ? ` and environment ${quote(o.environment)} sets none` : '';
    return { set: false, why: `no gates given${where}` };
  }
  return { set: true, why: `target ${o.target}` };
}

/** What setup-hypervisor found the job runs on. */
export type JobHypervisor = 'kvm' | 'mshv' | 'emulation';

/**
 * A job that fell back to emulation needs the KubeVirt CR to say so too (useEmulation), unless
 * the user or the profile already decided; other targets have no such setting.
 */
export function applyHypervisor<T extends Pick<Options, 'target' | 'want' | 'notes'>>(
  o: T,
  hypervisor: JobHypervisor,
): T {
  if (hypervisor !== 'emulation' || o.want.emulation !== undefined) return o;
  if (!KUBEVIRT_SHAPED.has(o.target)) return o;
  return {
    ...o,
    want: { ...o.want, emulation: true },
    notes: [
      ...(o.notes ?? []),
      'The job runs under emulation: the KubeVirt CR gets useEmulation: true as well.',
    ],
  };
}

function objectName(
  ctx: Ctx,
  target: GateTarget,
  fromProfile: FromProfile,
): { namespace: string; name: string } {
  const { inputs } = ctx;
  const g = ctx.profile.settings.gates;
  const defaults = DEFAULT_NAMES[target];
  const namespace = inputs.string('namespace', {
    profile: fromProfile(g.namespace),
    default: defaults.namespace,
  });
  const name = inputs.string('name', { profile: fromProfile(g.name), default: defaults.name });
  return { namespace: checkName(namespace, 'namespace'), name: checkName(name, 'name') };
}

function timeout(ctx: Ctx, fromProfile: FromProfile): number {
  const raw = fromProfile(ctx.profile.settings.gates.timeout);
  const timeoutMs = ctx.inputs.duration('timeout', {
    profile: raw ? parseDuration(raw, `${ctx.profile.profile?.file}: gates.timeout`) : undefined,
    default: DEFAULT_TIMEOUT_MS,
  });
  if (timeoutMs <= 0) throw new UserError('input "timeout": must be longer than 0s');
  return timeoutMs;
}

function filePath(
  ctx: Ctx,
  target: 'overlay' | 'kind-config',
  fromProfile: FromProfile,
): Pick<Options, 'path' | 'pathShown'> {
  const p = ctx.inputs.string('path', { profile: fromProfile(ctx.profile.settings.gates.path) });
  if (!p) {
    throw new UserError(
      `input "path" is required for target ${target}; give the ${target === 'overlay' ? 'kustomize folder' : 'kind config file'}`,
    );
  }
  return { path: path.resolve(ctx.workspace, p), pathShown: p };
}

function resourceTarget(
  ctx: Ctx,
  place: { namespace: string; name: string },
): Pick<Options, 'resourcePath' | 'pointer'> {
  const resource = ctx.inputs.string('resource');
  if (!resource) {
    throw new UserError(
      'input "resource" is required for target resource; give <group>/<version>/<plural> or the object\'s API path',
    );
  }
  const resourcePathValue = resourcePath(resource, place.namespace, place.name);
  const ptr = ctx.inputs.string('pointer');
  if (!/^(\/[^/]+)+$/.test(ptr)) {
    throw new UserError(
      `input "pointer": ${quote(ptr)} is not a JSON pointer to the gates (e.g. /spec/featureGates)`,
    );
  }
  return { resourcePath: resourcePathValue, pointer: ptr };
}
