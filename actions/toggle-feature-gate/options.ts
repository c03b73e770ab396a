import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import { Inputs, parseDuration } from '../../shared/inputs.js';
import {
  GATE_TARGETS,
  loadProfileContext,
  workspaceDir,
  type GateTarget,
} from '../../shared/profile.js';
import { normalizeHypervisor, type Wanted } from './edits.js';
import { gateRequestFromMap, isEmpty, parseGateInput, type GateRequest } from './gates.js';

/** Everything a run needs, typed; built from inputs and the profile, or by a test directly. */
export interface Options {
  target: GateTarget;
  want: Wanted;
  namespace: string;
  name: string;
  kubeconfig?: string;
  /** overlay folder or kind config, absolute. */
  path?: string;
  /** `path` as the user wrote it, for messages. */
  pathShown?: string;
  /** resource target: the object's API path. */
  resourcePath?: string;
  pointer?: string;
  format: 'auto' | 'list' | 'map' | 'string';
  wait: boolean;
  timeoutMs: number;
  restore: boolean;
  dryRun: boolean;
  workspace: string;
  /** Where the settings came from, for the summary. */
  environment?: string;
}

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

export function readOptions(inputs = new Inputs(), workspace = workspaceDir()): Options {
  const ctx = loadProfileContext(inputs, workspace);
  const g = ctx.settings.gates;
  const target = inputs.enum('target', GATE_TARGETS, { profile: g.target, default: 'kubevirt' });
  // Profile settings of another target (its namespace, name) would point at the wrong object
  // when the input picks a different target, so they only count when the targets agree.
  const profileApplies = !inputs.has('target') || g.target === undefined || g.target === target;
  const fromProfile = <T>(v: T | undefined) => (profileApplies ? v : undefined);
  const defaults = DEFAULT_NAMES[target];

  let gates: GateRequest;
  if (inputs.has('gates')) gates = parseGateInput(inputs.raw('gates'));
  else
    gates = gateRequestFromMap(
      Object.entries(g.values),
      `${ctx.profile?.file ?? 'profile'}: gates`,
    );

  const kubevirtShaped = target === 'kubevirt' || target === 'overlay';
  let emulation: boolean | undefined;
  if (inputs.has('emulation')) emulation = inputs.boolean('emulation');
  // An environment that runs on emulation (seed: test-emulation, "force emulation mode")
  // needs KubeVirt's useEmulation too, unless the profile says otherwise.
  else if (kubevirtShaped)
    emulation = g.emulation ?? (ctx.settings.hypervisor === 'emulation' ? true : undefined);
  const hvRaw = inputs.has('hypervisor')
    ? inputs.raw('hypervisor')
    : kubevirtShaped
      ? g.hypervisor
      : undefined;
  const hypervisor = hvRaw ? normalizeHypervisor(hvRaw) : undefined;
  if (!kubevirtShaped && (emulation !== undefined || hypervisor !== undefined)) {
    throw new UserError(
      `input "${emulation !== undefined ? 'emulation' : 'hypervisor'}": only the KubeVirt CR has this setting; allowed with target kubevirt or overlay, not ${target}`,
    );
  }
  if (isEmpty(gates) && emulation === undefined && hypervisor === undefined) {
    const where = ctx.environment
      ? ` and environment ${quote(ctx.environment.name)} sets none`
      : '';
    throw new UserError(
      `input "gates": no gates given${where}; give Name=true,Other=false (comma or newline separated)`,
    );
  }

  const namespace = checkName(
    inputs.string('namespace', { profile: fromProfile(g.namespace), default: defaults.namespace }),
    'namespace',
  );
  const name = checkName(
    inputs.string('name', { profile: fromProfile(g.name), default: defaults.name }),
    'name',
  );
  const timeoutRaw = fromProfile(g.timeout);
  const timeoutMs = inputs.duration('timeout', {
    profile: timeoutRaw
      ? parseDuration(timeoutRaw, `${ctx.profile?.file}: gates.timeout`)
      : undefined,
    default: DEFAULT_TIMEOUT_MS,
  });
  if (timeoutMs <= 0) throw new UserError('input "timeout": must be longer than 0s');

  const opts: Options = {
    target,
    want: { gates, emulation, hypervisor },
    namespace,
    name,
    kubeconfig: inputs.string('kubeconfig', { profile: fromProfile(g.kubeconfig) }) || undefined,
    format: inputs.enum('format', ['auto', 'list', 'map', 'string'] as const, { default: 'auto' }),
    wait: inputs.boolean('wait', { default: true }),
    timeoutMs,
    restore: inputs.boolean('restore', { default: false }),
    dryRun: inputs.boolean('dry-run', { default: false }),
    workspace,
    environment: ctx.environment?.name,
  };
  if (target === 'overlay' || target === 'kind-config') {
    const p = inputs.string('path', { profile: fromProfile(g.path) });
    if (!p) {
      throw new UserError(
        `input "path" is required for target ${target}; give the ${target === 'overlay' ? 'kustomize folder' : 'kind config file'}`,
      );
    }
    opts.path = path.resolve(workspace, p);
    opts.pathShown = p;
  }
  if (target === 'resource') {
    const resource = inputs.string('resource');
    if (!resource) {
      throw new UserError(
        'input "resource" is required for target resource; give <group>/<version>/<plural> or the object\'s API path',
      );
    }
    opts.resourcePath = resourcePath(resource, namespace, name);
    const ptr = inputs.string('pointer');
    if (!/^(\/[^/]+)+$/.test(ptr)) {
      throw new UserError(
        `input "pointer": ${quote(ptr)} is not a JSON pointer to the gates (e.g. /spec/featureGates)`,
      );
    }
    opts.pointer = ptr;
  }
  return opts;
}
