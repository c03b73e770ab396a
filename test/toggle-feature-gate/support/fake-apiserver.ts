import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  PatchError,
  applyJsonPatch,
  applyMergePatch,
  jsonEqual,
  type Op,
} from './json-patch-rfc.js';

/**
 * A stand-in for kube-apiserver for the few custom resources toggle-feature-gate touches
 * (no API server can run on the test machines). It follows the API conventions the action
 * depends on, as kube-apiserver implements them:
 * - object paths /apis/<group>/<version>[/namespaces/<ns>]/<plural>/<name> and /api/v1/...;
 * - errors are `Status` objects (kind Status, apiVersion v1, status Failure, message, reason,
 *   details{name, group, kind}, code): 404 NotFound, 409 Conflict, 422 Invalid, 401, 415, 429;
 * - PATCH with application/json-patch+json (RFC 6902; a failed `test` or a bad path answers
 *   422 like the apiserver's JSON patch handler), application/merge-patch+json (RFC 7386; a
 *   resourceVersion in the patch is a precondition: 409 when it differs), PUT with a
 *   required, matching resourceVersion (409 on mismatch, 422 when missing, as for CRs);
 * - metadata.resourceVersion moves on every change, metadata.generation only when something
 *   outside metadata and status changes; writes to the main resource ignore status (the
 *   status subresource owns it); an unchanged object is not bumped;
 * - an operator loop that, after a generation change, later sets observedGeneration with
 *   Progressing=True, then Progressing=False (Available=True, Degraded=False); it can be told
 *   to stay progressing or to go degraded;
 * - HCO mode: the HyperConverged CR generates the KubeVirt CR's gates (its own
 *   spec.featureGates map plus the kubevirt.kubevirt.io/jsonpatch annotation) and overwrites
 *   direct edits of the KubeVirt CR;
 * - injected faults: any status (5xx, 429 with Retry-After, 409), a request that never gets an
 *   answer, and a concurrent spec edit just before a write.
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
  mode: 'normal' | 'stuck' | 'degraded';
}

export interface RequestRecord {
  method: string;
  path: string;
  contentType?: string;
  body?: unknown;
  status: number;
  authorization?: string;
}

interface Route {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name: string;
}

export const KUBEVIRT_PATH = (ns = 'kubevirt', name = 'kubevirt') =>
  `/apis/kubevirt.io/v1/namespaces/${ns}/kubevirts/${name}`;
export const HCO_PATH = (ns = 'kubevirt-hyperconverged', name = 'kubevirt-hyperconverged') =>
  `/apis/hco.kubevirt.io/v1beta1/namespaces/${ns}/hyperconvergeds/${name}`;
export const CDI_PATH = (name = 'cdi') => `/apis/cdi.kubevirt.io/v1beta1/cdis/${name}`;

const KIND_OF: Record<string, string> = {
  kubevirts: 'KubeVirt',
  hyperconvergeds: 'HyperConverged',
  cdis: 'CDI',
};

function parseRoute(path: string): Route | undefined {
  let m = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)\/([^/]+)$/.exec(path);
  if (m) return { group: m[1], version: m[2], namespace: m[3], plural: m[4], name: m[5] };
  m = /^\/api\/(v1)\/(?:namespaces\/([^/]+)\/)?([^/]+)\/([^/]+)$/.exec(path);
  if (m) return { group: '', version: m[1], namespace: m[2], plural: m[3], name: m[4] };
  return undefined;
}

function resourceName(r: Route): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function status(
  code: number,
  reason: string,
  message: string,
  route?: Route,
  extra: Record<string, unknown> = {},
) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(route
      ? { details: { name: route.name, group: route.group, kind: route.plural, ...extra } }
      : {}),
    code,
  };
}

const READY = [
  {
    type: 'Available',
    status: 'True',
    reason: 'AllComponentsReady',
    message: 'All components are ready.',
  },
  {
    type: 'Progressing',
    status: 'False',
    reason: 'AllComponentsReady',
    message: 'All components are ready.',
  },
  {
    type: 'Degraded',
    status: 'False',
    reason: 'AllComponentsReady',
    message: 'All components are ready.',
  },
];

const HCO_MANAGED_LABEL = 'app.kubernetes.io/managed-by';

export class FakeApiServer {
  readonly objects = new Map<string, Obj>();
  readonly requests: RequestRecord[] = [];
  faults: Fault[] = [];
  token?: string;
  operator: OperatorBehaviour = { progressMs: 40, settleMs: 60, mode: 'normal' };
  /** Gates HCO always puts on the KubeVirt CR it generates. */
  hcoBaseGates = ['DataVolumes', 'Snapshot'];
  private rv = 100;
  private server?: http.Server;
  private timers = new Set<NodeJS.Timeout>();
  private sockets = new Set<Socket>();
  url = '';

  constructor(private readonly tls?: { key: string; cert: string }) {}

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
    this.operator = { progressMs: 40, settleMs: 60, mode: 'normal' };
  }

  private nextRv(): string {
    return String(++this.rv);
  }

  /** Store an object as an operator left it: generation 1, observed, ready. */
  put(path: string, obj: Partial<Obj> & { spec?: Record<string, unknown> }, ready = true): Obj {
    const route = parseRoute(path);
    if (!route) throw new Error(`not an object path: ${path}`);
    const stored: Obj = {
      apiVersion: route.group ? `${route.group}/${route.version}` : route.version,
      kind: KIND_OF[route.plural] ?? 'Object',
      ...structuredClone(obj),
      metadata: {
        ...(obj.metadata ?? {}),
        name: route.name,
        ...(route.namespace ? { namespace: route.namespace } : {}),
        uid: `uid-${route.name}`,
        resourceVersion: this.nextRv(),
        generation: 1,
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
    };
    if (ready && KIND_OF[route.plural]) {
      stored.status = { observedGeneration: 1, conditions: structuredClone(READY) };
    }
    this.objects.set(path, stored);
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
    return this.store(path, next);
  }

  private store(path: string, next: Obj, byOperator = false): Obj {
    const cur = this.objects.get(path);
    if (!cur) throw new Error(`no object at ${path}`);
    next.status = cur.status;
    next.metadata = {
      ...next.metadata,
      name: cur.metadata.name,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      resourceVersion: cur.metadata.resourceVersion,
      generation: cur.metadata.generation,
      ...(cur.metadata.namespace ? { namespace: cur.metadata.namespace } : {}),
    };
    if (jsonEqual(next, cur)) return structuredClone(cur);
    const strip = (o: Obj) => {
      const { metadata: _m, status: _s, ...rest } = o;
      return rest;
    };
    const specChanged = !jsonEqual(strip(next), strip(cur));
    next.metadata.resourceVersion = this.nextRv();
    if (specChanged) next.metadata.generation = Number(cur.metadata.generation) + 1;
    this.objects.set(path, next);
    if (specChanged) this.afterSpecChange(path, byOperator);
    // HCO watches its CR, annotations included, and regenerates the KubeVirt CR from it.
    if (path.includes('/hyperconvergeds/')) this.later(5, () => this.reconcileHco(path));
    return structuredClone(next);
  }

  private setStatus(path: string, status: Record<string, unknown>): void {
    const cur = this.objects.get(path);
    if (!cur) return;
    cur.status = status;
    cur.metadata.resourceVersion = this.nextRv();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private afterSpecChange(path: string, byOperator: boolean): void {
    const route = parseRoute(path);
    if (!route || !KIND_OF[route.plural]) return;
    const gen = Number(this.objects.get(path)?.metadata.generation);
    const b = this.operator;
    this.later(b.progressMs, () => {
      if (Number(this.objects.get(path)?.metadata.generation) !== gen) return;
      this.setStatus(path, {
        observedGeneration: gen,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'AllComponentsReady',
            message: 'Serving the previous configuration.',
          },
          {
            type: 'Progressing',
            status: 'True',
            reason: 'Deploying',
            message: 'Rolling out the new configuration.',
          },
          { type: 'Degraded', status: 'False', reason: 'AllComponentsReady', message: '' },
        ],
      });
      if (b.mode === 'stuck') return;
      this.later(b.settleMs, () => {
        if (Number(this.objects.get(path)?.metadata.generation) !== gen) return;
        const conditions = structuredClone(READY);
        if (b.mode === 'degraded') {
          conditions[2] = {
            type: 'Degraded',
            status: 'True',
            reason: 'VirtHandlerCrashLoop',
            message: 'virt-handler is crash-looping',
          };
        }
        this.setStatus(path, { observedGeneration: gen, conditions });
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
      const path = (req.url ?? '/').split('?')[0];
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
      };
      this.requests.push(record);
      const send = (code: number, payload: unknown, headers: Record<string, string> = {}) => {
        record.status = code;
        res.writeHead(code, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const route = parseRoute(path);
      if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
        send(401, status(401, 'Unauthorized', 'Unauthorized'));
        return;
      }
      const fault = this.take(method, path);
      if (fault?.hang) {
        record.status = -1;
        return;
      }
      if (fault?.concurrentEdit && this.objects.has(path)) this.edit(path, fault.concurrentEdit);
      if (fault?.status) {
        const reason =
          fault.status === 409
            ? 'Conflict'
            : fault.status === 422
              ? 'Invalid'
              : fault.status === 429
                ? 'TooManyRequests'
                : fault.status === 503
                  ? 'ServiceUnavailable'
                  : 'InternalError';
        send(
          fault.status,
          status(fault.status, reason, `injected ${reason}`, route),
          fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
        );
        return;
      }
      if (!route) {
        send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      const cur = this.objects.get(path);
      if (!cur) {
        send(
          404,
          status(404, 'NotFound', `${resourceName(route)} "${route.name}" not found`, route),
        );
        return;
      }
      const conflict = () =>
        send(
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${resourceName(route)} "${route.name}": the object has been modified; please apply your changes to the latest version and try again`,
            route,
          ),
        );
      const invalid = (message: string) =>
        send(422, status(422, 'Invalid', message, route, { causes: [{ message }] }));
      if (method === 'GET') {
        send(200, cur);
        return;
      }
      let next: Obj;
      if (method === 'PATCH') {
        if (contentType === 'application/json-patch+json') {
          if (!Array.isArray(body)) {
            send(
              400,
              status(
                400,
                'BadRequest',
                'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
                route,
              ),
            );
            return;
          }
          try {
            next = applyJsonPatch(cur, body as Op[]) as Obj;
          } catch (err) {
            if (err instanceof PatchError) {
              // kube-apiserver answers a JSON patch that cannot be applied (a failed test
              // included) with 422 and the patch library's message.
              invalid(
                `the server rejected our request due to an error in our request: ${err.message}`,
              );
              return;
            }
            throw err;
          }
        } else if (contentType === 'application/merge-patch+json') {
          const rv = (body as { metadata?: { resourceVersion?: string } })?.metadata
            ?.resourceVersion;
          if (rv !== undefined && rv !== cur.metadata.resourceVersion) {
            conflict();
            return;
          }
          next = applyMergePatch(cur, body) as Obj;
        } else {
          send(
            415,
            status(
              415,
              'UnsupportedMediaType',
              `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
              route,
            ),
          );
          return;
        }
      } else if (method === 'PUT') {
        const rv = (body as Obj)?.metadata?.resourceVersion;
        if (rv === undefined) {
          invalid(
            `${KIND_OF[route.plural] ?? route.plural}.${route.group} "${route.name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
          );
          return;
        }
        if (rv !== cur.metadata.resourceVersion) {
          conflict();
          return;
        }
        next = structuredClone(body) as Obj;
      } else {
        send(
          405,
          status(
            405,
            'MethodNotAllowed',
            `the server does not allow this method on the requested resource`,
            route,
          ),
        );
        return;
      }
      const problem = this.validate(route, next);
      if (problem) {
        invalid(`${KIND_OF[route.plural]}.${route.group} "${route.name}" is invalid: ${problem}`);
        return;
      }
      send(200, this.store(path, next));
    });
  }

  /** KubeVirt's admission refuses a gate both enabled and disabled. */
  private validate(route: Route, obj: Obj): string | undefined {
    if (route.plural !== 'kubevirts') return undefined;
    const dev = ((obj.spec?.configuration as Record<string, unknown> | undefined)
      ?.developerConfiguration ?? {}) as {
      featureGates?: string[];
      disabledFeatureGates?: string[];
    };
    const both = (dev.featureGates ?? []).filter((g) =>
      (dev.disabledFeatureGates ?? []).includes(g),
    );
    return both.length
      ? `spec.configuration.developerConfiguration: Invalid value: feature gate(s) ${both.join(', ')} both enabled and disabled`
      : undefined;
  }
}

export { HCO_MANAGED_LABEL };
