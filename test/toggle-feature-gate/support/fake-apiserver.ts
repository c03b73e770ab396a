import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { CRDS, checkObject, invalidMessage, type CrdInfo, type FieldCause } from './crd-schema.js';
import {
  PatchError,
  applyJsonPatch,
  applyMergePatch,
  jsonEqual,
  type Op,
} from './json-patch-v4.js';

/**
 * A stand-in for kube-apiserver and the operators behind the few resources toggle-feature-gate
 * touches (no API server can run on the test machines). Each behaviour is the real one's, as
 * their sources show it; test/toggle-feature-gate/fake-apiserver.test.ts pins them:
 * - paths /apis/<group>/<version>[/namespaces/<ns>]/<plural>/<name> and /api/v1/...; a resource
 *   nobody serves (its CRD not installed) answers 404 with the text body "404 page not found"
 *   (the server's mux, not a Status: clients turn it into "the server could not find the
 *   requested resource"); a missing object answers a NotFound Status;
 * - errors are Status objects as k8s.io/apimachinery builds them; 403 with the RBAC
 *   authorizer's message (`User "u" cannot patch resource "kubevirts" in API group
 *   "kubevirt.io" in the namespace "kubevirt"`);
 * - JSON patch with evanphx/json-patch v4's rules (json-patch-v4.ts); a patch that cannot be
 *   applied answers 422 with the generic message and the library's error as the cause; a
 *   patch that changes metadata.resourceVersion is a precondition: 409 when it is stale;
 * - merge patch, PUT with resourceVersion preconditions (409, 422 when missing);
 * - every stored custom resource is pruned and validated against its CRD's real schema
 *   (crd-schema.ts): unknown fields are dropped with `Warning: 299 - "unknown field ..."`
 *   headers, invalid values answer 422 with field causes. Objects a test seeds (put/edit) must
 *   be valid and have no unknown field: a wrong field name fails the test that wrote it;
 * - status: KubeVirt and HyperConverged have a status subresource (writes to the main
 *   resource keep the stored status); CDI has none (its CRD declares no subresources), so a
 *   write may change its status and moves its generation like any non-metadata change;
 * - operators: KubeVirt reports observedGeneration and Available/Progressing/Degraded/Created,
 *   and its components (virt-api, virt-controller, virt-handler pods) report the CR's
 *   resourceVersion they run with as config-resource-version on /healthz, reachable through
 *   the pod proxy; HCO reports observedGeneration and metav1 conditions; CDI reports phase and
 *   conditions only (no observedGeneration) and copies spec.config into the CDIConfig
 *   "config" object. Each operator can stall, go degraded, or refuse (its admission webhook
 *   denies the change);
 * - KubeVirt's webhook warns about deprecated gates (its WarningPattern) in Warning headers;
 * - HCO mode: the HyperConverged CR generates the KubeVirt CR's gates and overwrites direct
 *   edits of the KubeVirt CR;
 * - injected faults: any status (5xx, 429 with Retry-After, 409), a request that never gets an
 *   answer, and a concurrent spec edit just before a request.
 */
export type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

export interface Fault {
  method?: string;
  pathIncludes?: string;
  /** Answer this status with a Status body (and Retry-After when given). */
  status?: number;
  retryAfter?: string;
  /** Accept the request and never answer it. */
  hang?: boolean;
  /** Change the object's spec (a separate writer) just before this request is handled. */
  concurrentEdit?: (obj: Obj) => void;
  times?: number;
}

export interface OperatorBehaviour {
  /** Delay before the operator reports it saw the new generation (Progressing=True). */
  progressMs: number;
  /** Delay after that before it reports Progressing=False. */
  settleMs: number;
  /**
   * stuck: stays progressing; degraded: ends Degraded=True; refuse: its admission webhook
   * denies every spec change.
   */
  mode: 'normal' | 'stuck' | 'degraded' | 'refuse';
  /** How long after a KubeVirt CR change its components load it (config-resource-version). */
  componentLagMs: number;
  /** A component (virt-handler...) that never loads a new configuration. */
  staleComponent?: string;
}

/** An RBAC denial: requests with this verb (get, list, patch, update) on a matching path. */
export interface Forbid {
  verb?: string;
  pathIncludes?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  contentType?: string;
  body?: unknown;
  status: number;
  authorization?: string;
  /** Warning headers sent with the answer. */
  warnings: string[];
  /** The answer's body. */
  response?: unknown;
}

interface Route {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  /** pods/<name>/proxy/<rest> */
  proxy?: { scheme?: string; pod: string; port?: string; rest: string };
}

export const KUBEVIRT_PATH = (ns = 'kubevirt', name = 'kubevirt') =>
  `/apis/kubevirt.io/v1/namespaces/${ns}/kubevirts/${name}`;
export const HCO_PATH = (ns = 'kubevirt-hyperconverged', name = 'kubevirt-hyperconverged') =>
  `/apis/hco.kubevirt.io/v1beta1/namespaces/${ns}/hyperconvergeds/${name}`;
export const CDI_PATH = (name = 'cdi') => `/apis/cdi.kubevirt.io/v1beta1/cdis/${name}`;
export const CDI_CONFIG_PATH = '/apis/cdi.kubevirt.io/v1beta1/cdiconfigs/config';

export const COMPONENTS = ['virt-api', 'virt-controller', 'virt-handler'] as const;

/** KubeVirt's pkg/virt-config/featuregate WarningPattern. */
export const kubevirtDeprecationWarning = (gate: string, state: string) =>
  `feature gate ${gate} is deprecated (feature state is ${JSON.stringify(state)}), therefore it can be safely removed and is redundant. For more info, please look at: https://github.com/kubevirt/kubevirt/blob/main/docs/deprecation.md`;

const KUBEVIRT_WEBHOOK = 'kubevirt-update-validator.kubevirt.io';
const HCO_MANAGED_LABEL = 'app.kubernetes.io/managed-by';
const T0 = '2026-01-01T00:00:00Z';

function parseRoute(path: string): Route | undefined {
  let m = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) return { group: m[1], version: m[2], namespace: m[3], plural: m[4], name: m[5] };
  m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(\/.*)?$/.exec(path);
  if (m) {
    const parts = m[2].split(':');
    const [scheme, pod, port] =
      parts.length === 3 ? parts : parts.length === 2 ? [undefined, ...parts] : [undefined, m[2]];
    return {
      group: '',
      version: 'v1',
      namespace: m[1],
      plural: 'pods',
      name: pod,
      proxy: { scheme, pod: pod ?? '', port, rest: m[3] ?? '/' },
    };
  }
  m = /^\/api\/(v1)\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) return { group: '', version: m[1], namespace: m[2], plural: m[3], name: m[4] };
  return undefined;
}

const resourceOf = (r: Pick<Route, 'group' | 'plural'>) =>
  r.group ? `${r.plural}.${r.group}` : r.plural;

export function status(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

const detailsOf = (r: Route, extra: Record<string, unknown> = {}) => ({
  ...(r.name ? { name: r.name } : {}),
  ...(r.group ? { group: r.group } : {}),
  kind: r.plural,
  ...extra,
});

const cond = (type: string, st: string, reason: string, message: string) => ({
  type,
  status: st,
  reason,
  message,
});

/** The status each operator writes, by kind and phase of its reconcile. */
function operatorStatus(
  crd: string | undefined,
  gen: number,
  phase: 'ready' | 'progressing' | 'degraded',
): Record<string, unknown> | undefined {
  const ok = 'AllComponentsReady';
  const progressing = phase === 'progressing';
  const degraded = phase === 'degraded';
  if (crd === 'kubevirts.kubevirt.io') {
    const kv = (c: ReturnType<typeof cond>) => ({
      ...c,
      lastProbeTime: T0,
      lastTransitionTime: T0,
    });
    return {
      observedGeneration: gen,
      phase: 'Deployed',
      operatorVersion: 'v1.6.0',
      targetKubeVirtVersion: 'v1.6.0',
      observedKubeVirtVersion: 'v1.6.0',
      conditions: [
        kv(cond('Available', 'True', ok, 'All components are ready.')),
        kv(
          progressing
            ? cond('Progressing', 'True', 'Deploying', 'Deploying version v1.6.0')
            : cond('Progressing', 'False', ok, 'All components are ready.'),
        ),
        kv(
          degraded
            ? cond('Degraded', 'True', 'VirtHandlerCrashLoop', 'virt-handler is crash-looping')
            : cond('Degraded', 'False', ok, 'All components are ready.'),
        ),
        kv(cond('Created', 'True', 'AllResourcesCreated', 'All resources were created.')),
      ],
    };
  }
  if (crd === 'hyperconvergeds.hco.kubevirt.io') {
    const hc = (c: ReturnType<typeof cond>) => ({
      ...c,
      observedGeneration: gen,
      lastTransitionTime: T0,
    });
    return {
      observedGeneration: gen,
      systemHealthStatus: degraded ? 'error' : progressing ? 'warning' : 'healthy',
      conditions: [
        hc(
          cond(
            'ReconcileComplete',
            'True',
            'ReconcileCompleted',
            'Reconcile completed successfully',
          ),
        ),
        hc(cond('Available', 'True', 'ReconcileCompleted', 'Reconcile completed successfully')),
        hc(
          progressing
            ? cond('Progressing', 'True', 'KubeVirtProgressing', 'KubeVirt is progressing')
            : cond(
                'Progressing',
                'False',
                'ReconcileCompleted',
                'Reconcile completed successfully',
              ),
        ),
        hc(
          degraded
            ? cond('Degraded', 'True', 'KubeVirtDegraded', 'KubeVirt is degraded')
            : cond('Degraded', 'False', 'ReconcileCompleted', 'Reconcile completed successfully'),
        ),
        hc(cond('Upgradeable', 'True', 'ReconcileCompleted', 'Reconcile completed successfully')),
      ],
    };
  }
  if (crd === 'cdis.cdi.kubevirt.io') {
    const cd = (c: ReturnType<typeof cond>) => ({
      ...c,
      lastHeartbeatTime: T0,
      lastTransitionTime: T0,
    });
    return {
      phase: 'Deployed',
      operatorVersion: 'v1.62.0',
      targetVersion: 'v1.62.0',
      observedVersion: 'v1.62.0',
      conditions: [
        cd(cond('Available', 'True', 'DeployCompleted', 'Deployment Completed')),
        cd(
          progressing
            ? cond('Progressing', 'True', 'Reconciling', 'Reconciling')
            : cond('Progressing', 'False', 'DeployCompleted', ''),
        ),
        cd(
          degraded
            ? cond('Degraded', 'True', 'DegradedDeployment', 'cdi-deployment is not ready')
            : cond('Degraded', 'False', 'DeployCompleted', ''),
        ),
      ],
    };
  }
  return undefined;
}

/** Go's net/http quoting of a warning text in `299 - "<text>"`. */
const warningHeader = (text: string) =>
  `299 - "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const BUILTIN = ['configmaps', 'pods'];

export class FakeApiServer {
  readonly objects = new Map<string, Obj>();
  readonly requests: RequestRecord[] = [];
  faults: Fault[] = [];
  forbid: Forbid[] = [];
  token?: string;
  /** Who the token authenticates as, for RBAC messages. */
  user = 'system:serviceaccount:ci:runner';
  operator: OperatorBehaviour = FakeApiServer.defaultOperator();
  /** Gates HCO always puts on the KubeVirt CR it generates. */
  hcoBaseGates = ['DataVolumes', 'Snapshot'];
  /** KubeVirt gate name → its state, for gates KubeVirt warns are deprecated (e.g. GA). */
  kubevirtGateStates: Record<string, string> = {};
  /** Resources served (group resource, e.g. kubevirts.kubevirt.io); others answer 404. */
  readonly served = new Set<string>();
  /** config-resource-version each KubeVirt component reports, by namespace/component. */
  readonly componentRv = new Map<string, string>();
  private rv = 100;
  private readonly specSeq = new Map<string, number>();
  private server?: http.Server;
  private timers = new Set<NodeJS.Timeout>();
  private sockets = new Set<Socket>();
  url = '';

  constructor(private readonly tls?: { key: string; cert: string }) {
    this.reset();
  }

  static defaultOperator(): OperatorBehaviour {
    return { progressMs: 40, settleMs: 60, mode: 'normal', componentLagMs: 30 };
  }

  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = this.tls ? https.createServer(this.tls, handler) : http.createServer(handler);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.objects.clear();
    this.requests.length = 0;
    this.faults = [];
    this.forbid = [];
    this.kubevirtGateStates = {};
    this.componentRv.clear();
    this.specSeq.clear();
    this.operator = FakeApiServer.defaultOperator();
    this.served.clear();
    for (const r of [...CRDS.keys(), 'cdiconfigs.cdi.kubevirt.io', ...BUILTIN]) this.served.add(r);
  }

  /** Take a CRD away: its resources answer 404 page not found. */
  uninstall(resource: string): void {
    this.served.delete(resource);
    for (const p of [...this.objects.keys()]) {
      const r = parseRoute(p);
      if (r && resourceOf(r) === resource) this.objects.delete(p);
    }
  }

  private nextRv(): string {
    return String(++this.rv);
  }

  /**
   * Store an object as an operator left it: generation 1, and for an operator's CR its ready
   * status. The object must be valid for its CRD (see crd-schema.ts).
   */
  put(path: string, obj: Partial<Obj> & { spec?: Record<string, unknown> }, ready = true): Obj {
    const route = parseRoute(path);
    if (!route?.name) throw new Error(`not an object path: ${path}`);
    const crd = CRDS.get(resourceOf(route));
    this.served.add(resourceOf(route));
    const stored: Obj = {
      apiVersion: route.group ? `${route.group}/${route.version}` : route.version,
      kind: crd?.kind ?? 'Object',
      ...structuredClone(obj),
      metadata: {
        ...(obj.metadata ?? {}),
        name: route.name,
        ...(route.namespace ? { namespace: route.namespace } : {}),
        uid: `uid-${route.name}`,
        resourceVersion: this.nextRv(),
        generation: 1,
        creationTimestamp: T0,
      },
    };
    if (ready && crd) stored.status = operatorStatus(crd.crd, 1, 'ready');
    this.mustBeValid(route, stored);
    this.objects.set(path, stored);
    if (crd?.crd === 'kubevirts.kubevirt.io') this.startComponents(route, stored);
    if (crd?.crd === 'cdis.cdi.kubevirt.io') this.copyCdiConfig(path);
    return structuredClone(stored);
  }

  get(path: string): Obj {
    const o = this.objects.get(path);
    if (!o) throw new Error(`no object at ${path}`);
    return structuredClone(o);
  }

  /** A write by someone else (kubectl edit, another job): goes through the same rules. */
  edit(path: string, fn: (obj: Obj) => void): Obj {
    const next = this.get(path);
    fn(next);
    const route = parseRoute(path);
    if (route) this.mustBeValid(route, next);
    return this.store(path, next);
  }

  private mustBeValid(route: Route, obj: Obj): void {
    const crd = CRDS.get(resourceOf(route));
    if (!crd) return;
    const { unknown, causes } = checkObject(crd.crd, obj);
    if (unknown.length || causes.length) {
      throw new Error(
        `${crd.kind} ${route.name}: not valid for ${crd.crd}: ${[
          ...unknown.map((u) => `unknown field "${u}"`),
          ...causes.map((c) => c.message),
        ].join('; ')}`,
      );
    }
  }

  private hasStatusSubresource(path: string): boolean {
    const r = parseRoute(path);
    const crd = r ? CRDS.get(resourceOf(r)) : undefined;
    return !crd || crd.subresources.status !== undefined;
  }

  private store(path: string, next: Obj, byOperator = false): Obj {
    const cur = this.objects.get(path);
    if (!cur) throw new Error(`no object at ${path}`);
    if (this.hasStatusSubresource(path)) next.status = cur.status;
    next.metadata = {
      ...next.metadata,
      name: cur.metadata.name,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      resourceVersion: cur.metadata.resourceVersion,
      generation: cur.metadata.generation,
      ...(cur.metadata.namespace ? { namespace: cur.metadata.namespace } : {}),
    };
    if (next.status === undefined) delete next.status;
    if (jsonEqual(next, cur)) return structuredClone(cur);
    const strip = (o: Obj) => {
      const { metadata: _m, status: _s, ...rest } = o;
      return this.hasStatusSubresource(path) ? rest : { ...rest, status: _s };
    };
    const specChanged = !jsonEqual(strip(next), strip(cur));
    next.metadata.resourceVersion = this.nextRv();
    if (specChanged) next.metadata.generation = Number(cur.metadata.generation) + 1;
    this.objects.set(path, next);
    this.afterChange(path);
    if (specChanged) this.afterSpecChange(path, byOperator);
    // HCO watches its CR, annotations included, and regenerates the KubeVirt CR from it.
    if (path.includes('/hyperconvergeds/')) this.later(5, () => this.reconcileHco(path));
    return structuredClone(next);
  }

  private setStatus(path: string, st: Record<string, unknown>): void {
    const cur = this.objects.get(path);
    if (!cur) return;
    cur.status = st;
    cur.metadata.resourceVersion = this.nextRv();
    // Without a status subresource (CDI) the operator writes status through the main
    // resource, and any change outside metadata moves the generation.
    if (!this.hasStatusSubresource(path)) {
      cur.metadata.generation = Number(cur.metadata.generation) + 1;
    }
    const route = parseRoute(path);
    if (route) this.mustBeValid(route, cur);
    this.afterChange(path);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** virt-api, virt-controller and virt-handler: one pod each, running the CR as it is now. */
  private startComponents(route: Route, kv: Obj): void {
    for (const c of COMPONENTS) {
      const key = `${route.namespace}/${c}`;
      this.componentRv.set(key, String(kv.metadata.resourceVersion));
      this.objects.set(`/api/v1/namespaces/${route.namespace}/pods/${c}-7d9f8`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${c}-7d9f8`,
          namespace: route.namespace,
          labels: { 'kubevirt.io': c },
          resourceVersion: this.nextRv(),
        },
        status: { phase: 'Running' },
      });
    }
  }

  /** The components watch the KubeVirt CR and load each version some time after it is written. */
  private afterChange(path: string): void {
    const route = parseRoute(path);
    if (!route || resourceOf(route) !== 'kubevirts.kubevirt.io') return;
    const rv = String(this.objects.get(path)?.metadata.resourceVersion);
    this.later(this.operator.componentLagMs, () => {
      for (const c of COMPONENTS) {
        if (c === this.operator.staleComponent) continue;
        const key = `${route.namespace}/${c}`;
        if (Number(this.componentRv.get(key) ?? 0) < Number(rv)) this.componentRv.set(key, rv);
      }
    });
  }

  /** The CDI operator puts CDI's spec.config into the CDIConfig "config" object. */
  private copyCdiConfig(cdiPath: string): void {
    const cdi = this.objects.get(cdiPath);
    if (!cdi) return;
    const spec = structuredClone((cdi.spec?.config ?? {}) as Record<string, unknown>);
    const cur = this.objects.get(CDI_CONFIG_PATH);
    if (cur && jsonEqual(cur.spec, spec)) return;
    this.objects.set(CDI_CONFIG_PATH, {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'CDIConfig',
      metadata: {
        name: 'config',
        uid: 'uid-config',
        resourceVersion: this.nextRv(),
        generation: Number(cur?.metadata.generation ?? 0) + 1,
        creationTimestamp: T0,
      },
      spec,
      status: { scratchSpaceStorageClass: '' },
    });
  }

  private afterSpecChange(path: string, byOperator: boolean): void {
    const route = parseRoute(path);
    const crd = route ? CRDS.get(resourceOf(route))?.crd : undefined;
    if (!route || !crd) return;
    const gen = Number(this.objects.get(path)?.metadata.generation);
    const b = this.operator;
    // A newer spec change supersedes this reconcile (the generation alone cannot tell: CDI's
    // moves on the operator's own status writes).
    const seq = (this.specSeq.get(path) ?? 0) + 1;
    this.specSeq.set(path, seq);
    const current = () => this.specSeq.get(path) === seq;
    this.later(b.progressMs, () => {
      if (!current()) return;
      this.setStatus(path, operatorStatus(crd, gen, 'progressing') ?? {});
      if (b.mode === 'stuck') return;
      this.later(b.settleMs, () => {
        if (!current()) return;
        if (crd === 'cdis.cdi.kubevirt.io') this.copyCdiConfig(path);
        this.setStatus(
          path,
          operatorStatus(crd, gen, b.mode === 'degraded' ? 'degraded' : 'ready') ?? {},
        );
      });
    });
    const labels = this.objects.get(path)?.metadata.labels as Record<string, string> | undefined;
    if (
      route.plural === 'kubevirts' &&
      !byOperator &&
      labels?.[HCO_MANAGED_LABEL] === 'hco-operator'
    ) {
      // HCO owns this KubeVirt CR: it puts its own version back.
      const hco = [...this.objects.keys()].find((p) => p.includes('/hyperconvergeds/'));
      if (hco) this.later(5, () => this.reconcileHco(hco));
    }
  }

  /** What HCO writes into the KubeVirt CR: its base gates, its own gates, then the annotation. */
  reconcileHco(hcoPath: string): void {
    const hco = this.objects.get(hcoPath);
    // HCO names the KubeVirt CR it generates kubevirt-<HCO name>, in its own namespace.
    const kvPath = KUBEVIRT_PATH(String(hco?.metadata.namespace), `kubevirt-${hco?.metadata.name}`);
    if (!hco || !this.objects.has(kvPath)) return;
    const own = (hco.spec?.featureGates ?? {}) as Record<string, boolean>;
    const gates = [...this.hcoBaseGates];
    for (const [k, v] of Object.entries(own)) {
      if (v) gates.push(k.charAt(0).toUpperCase() + k.slice(1));
    }
    let kv: unknown = {
      ...this.get(kvPath),
      spec: { configuration: { developerConfiguration: { featureGates: gates } } },
    };
    const ann = (hco.metadata.annotations as Record<string, string> | undefined)?.[
      'kubevirt.kubevirt.io/jsonpatch'
    ];
    if (ann) {
      try {
        kv = applyJsonPatch(kv, JSON.parse(ann) as Op[]);
      } catch {
        // HCO reports a bad annotation in its conditions and leaves the CR as generated.
      }
    }
    this.store(kvPath, kv as Obj, true);
  }

  private take(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === method) && (!f.pathIncludes || path.includes(f.pathIncludes)),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    return f;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const [path, query = ''] = (req.url ?? '/').split('?');
      const text = Buffer.concat(chunks).toString('utf8');
      const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim() || undefined;
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const record: RequestRecord = {
        method,
        path,
        contentType,
        body,
        status: 0,
        authorization: req.headers.authorization,
        warnings: [],
      };
      this.requests.push(record);
      const reply: Reply = {
        send: (code, payload, headers = {}) => {
          record.status = code;
          record.response = payload;
          for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...headers })) {
            res.setHeader(k, v);
          }
          if (record.warnings.length) res.setHeader('warning', record.warnings.map(warningHeader));
          res.writeHead(code);
          res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        },
        warn: (w) => void record.warnings.push(w),
        hang: () => void (record.status = -1),
      };
      this.respond(
        { method, path, query, contentType, body, auth: req.headers.authorization },
        reply,
      );
    });
  }

  // The request pipeline in the API server's order: authentication, faults (a test's stand-in
  // for the network and the server's own trouble), routing, authorization, then the verb.
  private respond(q: Request, r: Reply): void {
    if (this.token && q.auth !== `Bearer ${this.token}`) {
      r.send(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const fault = this.take(q.method, q.path);
    if (fault?.hang) return r.hang();
    if (fault?.concurrentEdit && this.objects.has(q.path)) this.edit(q.path, fault.concurrentEdit);
    const route = parseRoute(q.path);
    if (fault?.status) return this.injected(fault, route, r);
    if (!route || !this.served.has(resourceOf(route))) {
      // The server's mux: a plain-text 404, no Status.
      r.send(404, '404 page not found\n', { 'content-type': 'text/plain; charset=utf-8' });
      return;
    }
    const verb = route.proxy
      ? 'get'
      : q.method === 'GET'
        ? route.name
          ? 'get'
          : 'list'
        : q.method === 'PATCH'
          ? 'patch'
          : q.method === 'PUT'
            ? 'update'
            : q.method.toLowerCase();
    if (
      this.forbid.some(
        (f) => (!f.verb || f.verb === verb) && (!f.pathIncludes || q.path.includes(f.pathIncludes)),
      )
    ) {
      r.send(403, this.forbidden(route, verb));
      return;
    }
    if (route.proxy) return this.proxy(route, r);
    if (!route.name) return this.list(route, q.query, r);
    const cur = this.objects.get(q.path);
    if (!cur) {
      r.send(
        404,
        status(404, 'NotFound', `${resourceOf(route)} "${route.name}" not found`, detailsOf(route)),
      );
      return;
    }
    if (q.method === 'GET') return r.send(200, cur);
    const next = this.nextObject(q, route, cur, r);
    if (next) this.write(q.path, route, next, r);
  }

  /** k8s.io/apiserver's forbiddenMessage, inside apierrors.NewForbidden. */
  private forbidden(route: Route, verb: string) {
    const resource = route.proxy ? 'pods/proxy' : route.plural;
    const where = route.namespace
      ? `in the namespace "${route.namespace}"`
      : 'at the cluster scope';
    const why = `User "${this.user}" cannot ${verb} resource "${resource}" in API group "${route.group}" ${where}`;
    // The Status names the resource without its subresource (authorization filter's GroupResource).
    const gr = resourceOf(route);
    const message = route.name
      ? `${gr} "${route.name}" is forbidden: ${why}`
      : `${gr} is forbidden: ${why}`;
    return status(403, 'Forbidden', message, detailsOf(route));
  }

  private injected(fault: Fault, route: Route | undefined, r: Reply): void {
    const code = fault.status ?? 500;
    const reasons: Record<number, string> = {
      409: 'Conflict',
      422: 'Invalid',
      429: 'TooManyRequests',
      503: 'ServiceUnavailable',
    };
    const reason = reasons[code] ?? 'InternalError';
    const message =
      code === 422
        ? `admission webhook "${KUBEVIRT_WEBHOOK}" denied the request: injected refusal`
        : `injected ${reason}`;
    const details = route
      ? detailsOf(
          route,
          code === 422
            ? {
                causes: [
                  { reason: 'FieldValueInvalid', message: 'injected refusal', field: 'spec' },
                ],
              }
            : {},
        )
      : undefined;
    r.send(
      code,
      status(code, reason, message, details),
      fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
    );
  }

  private list(route: Route, query: string, r: Reply): void {
    const selector = new URLSearchParams(query).get('labelSelector') ?? '';
    const [k, v] = selector.split('=');
    const prefix = `/api${route.group ? `s/${route.group}` : ''}/${route.version}/${route.namespace ? `namespaces/${route.namespace}/` : ''}${route.plural}/`;
    const items = [...this.objects.entries()]
      .filter(([p]) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map(([, o]) => o)
      .filter((o) => !k || (o.metadata.labels as Record<string, string> | undefined)?.[k] === v);
    r.send(200, {
      kind: route.plural === 'pods' ? 'PodList' : 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(this.rv) },
      items,
    });
  }

  /** The pod proxy to a KubeVirt component's /healthz (https, port 8443). */
  private proxy(route: Route, r: Reply): void {
    const p = route.proxy;
    const pod = p
      ? this.objects.get(`/api/v1/namespaces/${route.namespace}/pods/${p.pod}`)
      : undefined;
    if (!p || !pod) {
      r.send(404, status(404, 'NotFound', `pods "${p?.pod}" not found`, detailsOf(route)));
      return;
    }
    const component = (pod.metadata.labels as Record<string, string>)['kubevirt.io'];
    if (p.scheme !== 'https' || p.port !== '8443' || p.rest !== '/healthz') {
      // The component serves TLS on 8443 only: anything else does not reach a handler.
      r.send(
        503,
        status(
          503,
          'ServiceUnavailable',
          `error trying to reach service: dial tcp 10.244.0.9:${p.port ?? '80'}: connect: connection refused`,
        ),
      );
      return;
    }
    r.send(200, {
      apiserver: { connectivity: 'ok', version: 'v1.33.1' },
      'config-resource-version': this.componentRv.get(`${route.namespace}/${component}`) ?? '0',
    });
  }

  /**
   * The object a PATCH or PUT asks for, or undefined after answering why not. Long: one branch
   * per media type and verb, each with the API server's own refusals, side by side.
   */
  private nextObject(q: Request, route: Route, cur: Obj, r: Reply): Obj | undefined {
    const conflict = () =>
      r.send(
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resourceOf(route)} "${route.name}": the object has been modified; please apply your changes to the latest version and try again`,
          detailsOf(route),
        ),
      );
    if (q.method === 'PATCH' && q.contentType === 'application/json-patch+json') {
      if (!Array.isArray(q.body)) {
        r.send(
          400,
          status(
            400,
            'BadRequest',
            'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
          ),
        );
        return undefined;
      }
      let next: Obj;
      try {
        next = applyJsonPatch(cur, q.body as Op[]) as Obj;
      } catch (err) {
        if (!(err instanceof PatchError)) throw err;
        // apiserver: NewGenericServerResponse(422, "", GroupResource{}, "", err.Error(), ...)
        r.send(
          422,
          status(422, 'Invalid', 'the server rejected our request due to an error in our request', {
            causes: [{ reason: 'UnexpectedServerResponse', message: err.message }],
          }),
        );
        return undefined;
      }
      // A resourceVersion the patch sets is a precondition of the update.
      if (next.metadata?.resourceVersion !== cur.metadata.resourceVersion) {
        conflict();
        return undefined;
      }
      return next;
    }
    if (q.method === 'PATCH' && q.contentType === 'application/merge-patch+json') {
      const rv = (q.body as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion;
      if (rv !== undefined && rv !== cur.metadata.resourceVersion) {
        conflict();
        return undefined;
      }
      return applyMergePatch(cur, q.body) as Obj;
    }
    if (q.method === 'PATCH') {
      r.send(
        415,
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          detailsOf(route),
        ),
      );
      return undefined;
    }
    if (q.method === 'PUT') {
      const rv = (q.body as Obj)?.metadata?.resourceVersion;
      if (rv === undefined) {
        const crd = CRDS.get(resourceOf(route));
        r.send(
          422,
          status(
            422,
            'Invalid',
            `${crd?.kind ?? route.plural}.${route.group} "${route.name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
            detailsOf(route),
          ),
        );
        return undefined;
      }
      if (rv !== cur.metadata.resourceVersion) {
        conflict();
        return undefined;
      }
      return structuredClone(q.body) as Obj;
    }
    r.send(
      405,
      status(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        detailsOf(route),
      ),
    );
    return undefined;
  }

  /** Schema (prune, validate), admission, then storage. */
  private write(path: string, route: Route, next: Obj, r: Reply): void {
    const crd = CRDS.get(resourceOf(route));
    if (crd) {
      const checked = checkObject(crd.crd, next);
      for (const u of checked.unknown) r.warn(`unknown field "${u}"`);
      if (checked.causes.length) {
        r.send(422, this.invalid(crd, route, checked.causes));
        return;
      }
      next = checked.object as Obj;
    }
    const denied = this.admit(route, next);
    if (denied) {
      r.send(422, denied);
      return;
    }
    if (route.plural === 'kubevirts') {
      const gates = getGates(next);
      for (const g of gates) {
        const state = this.kubevirtGateStates[g];
        if (state) r.warn(kubevirtDeprecationWarning(g, state));
      }
    }
    r.send(200, this.store(path, next));
  }

  private invalid(crd: CrdInfo, route: Route, causes: FieldCause[]) {
    return status(422, 'Invalid', invalidMessage(crd, route.name ?? '', causes), {
      name: route.name,
      group: route.group,
      kind: crd.kind,
      causes,
    });
  }

  /**
   * The operators' validating webhooks. KubeVirt's (pkg/virt-operator/webhooks,
   * ValidateFeatureGates) refuses a gate in both featureGates and disabledFeatureGates, one
   * Forbidden cause per gate; its webhook answers 422 with the causes' messages joined by
   * ", ", which the API server puts after `admission webhook "<name>" denied the request: `.
   */
  private admit(route: Route, obj: Obj): Record<string, unknown> | undefined {
    const cur = this.objects.get(
      `/apis/${route.group}/${route.version}/${route.namespace ? `namespaces/${route.namespace}/` : ''}${route.plural}/${route.name}`,
    );
    const specChanged = !jsonEqual(cur?.spec, obj.spec);
    const deny = (causes: Array<{ reason: string; message: string; field: string }>) =>
      status(
        422,
        'Invalid',
        `admission webhook "${KUBEVIRT_WEBHOOK}" denied the request: ${causes.map((c) => c.message).join(', ')}`,
        { causes },
      );
    if (this.operator.mode === 'refuse' && specChanged && CRDS.has(resourceOf(route))) {
      return deny([
        {
          reason: 'FieldValueInvalid',
          message: 'the operator refuses this configuration',
          field: 'spec',
        },
      ]);
    }
    if (route.plural !== 'kubevirts') return undefined;
    const dev = devConfig(obj);
    const both = (dev.featureGates ?? []).filter((g) =>
      (dev.disabledFeatureGates ?? []).includes(g),
    );
    if (!both.length) return undefined;
    return deny(
      both.map((g) => ({
        reason: 'FieldValueForbidden',
        message: `feature gate "${g}" exists on both "FeatureGates" and "DisabledFeatureGates"`,
        field: 'spec.configuration.developerConfiguration.featureGates',
      })),
    );
  }
}

function devConfig(obj: Obj): { featureGates?: string[]; disabledFeatureGates?: string[] } {
  const conf = obj.spec?.configuration as Record<string, unknown> | undefined;
  return (conf?.developerConfiguration ?? {}) as ReturnType<typeof devConfig>;
}

const getGates = (obj: Obj) => devConfig(obj).featureGates ?? [];

interface Request {
  method: string;
  path: string;
  query: string;
  contentType?: string;
  body: unknown;
  auth?: string;
}

interface Reply {
  send(code: number, payload: unknown, headers?: Record<string, string>): void;
  warn(text: string): void;
  hang(): void;
}

export { HCO_MANAGED_LABEL };
