import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { repoRoot } from '../support/harness.js';

/**
 * A stand-in for the GitHub REST API on 127.0.0.1 for the endpoints publish-junit calls. No
 * GitHub is reachable from the tests, so each request is checked against GitHub's own OpenAPI
 * description (@octokit/openapi): the method and path must be an operation it documents, its
 * path and query parameters must be ones the operation declares, of their declared type, and
 * the JSON body must match that operation's request schema (check-run annotations: at most 50
 * per request, required fields...). A request that does not is answered 422 and recorded in
 * `violations`, and the test fails on it. As GitHub does, it takes the token as `token <t>`
 * (octokit's form) or `Bearer <t>`, and pages lists with a Link header. Faults (5xx, 429,
 * 403) can be queued per route.
 *
 * Issues behave as GitHub's do: pull requests are issues too, so the issues list returns them
 * (each with a `pull_request` key) unless the caller leaves them out; the list filters by
 * state (open by default) and by labels (all of them, names compared without case), newest
 * first, at most 100 a page.
 */
type Validate = ((value: unknown) => boolean) & { errors?: unknown };

interface Parameter {
  name: string;
  in: string;
  validate: Validate;
}

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  /** Path parameters in template order, then the query parameters. */
  path: Parameter[];
  query: Map<string, Parameter>;
  validate?: Validate;
}

const USED = [
  ['post', '/repos/{owner}/{repo}/check-runs'],
  ['patch', '/repos/{owner}/{repo}/check-runs/{check_run_id}'],
  ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['patch', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
  ['get', '/repos/{owner}/{repo}/issues'],
  ['post', '/repos/{owner}/{repo}/issues'],
  ['patch', '/repos/{owner}/{repo}/issues/{issue_number}'],
  ['get', '/repos/{owner}/{repo}/labels/{name}'],
  ['post', '/repos/{owner}/{repo}/labels'],
  ['get', '/repos/{owner}/{repo}/actions/caches'],
] as const;

let operations: Operation[] | undefined;

function loadOperations(): Operation[] {
  if (operations) return operations;
  const spec = JSON.parse(
    readFileSync(
      path.join(repoRoot, 'node_modules/@octokit/openapi/generated/api.github.com.deref.json'),
      'utf8',
    ),
  ) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Array<{ name: string; in: string; schema: object }>;
          requestBody?: { content: Record<string, { schema: object }> };
        }
      >
    >;
  };
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  // Path and query values arrive as text; coerceTypes reads "2" as the integer 2, as GitHub does.
  const params = new Ajv({ strict: false, validateFormats: false, coerceTypes: true });
  operations = USED.map(([method, template]) => {
    const op = spec.paths[template]?.[method];
    if (!op) throw new Error(`OpenAPI description has no ${method} ${template}`);
    const schema = op.requestBody?.content['application/json']?.schema;
    const declared = (op.parameters ?? [])
      .filter((p) => p.in === 'path' || p.in === 'query')
      .map((p) => ({ name: p.name, in: p.in, validate: params.compile(p.schema) as Validate }));
    const order = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    return {
      method: method.toUpperCase(),
      template,
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
      path: order.map((name) => {
        const p = declared.find((d) => d.in === 'path' && d.name === name);
        if (!p) throw new Error(`OpenAPI description of ${template} has no parameter ${name}`);
        return p;
      }),
      query: new Map(declared.filter((d) => d.in === 'query').map((d) => [d.name, d])),
      validate: schema ? ajv.compile(nullableWithoutType(schema) as object) : undefined,
    };
  });
  return operations;
}

/**
 * OpenAPI 3.0's `nullable` beside `oneOf` and no `type` (an issue's milestone), which Ajv
 * reads only beside a `type`, as the JSON Schema it means: that schema, or null.
 */
function nullableWithoutType(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableWithoutType);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = nullableWithoutType(v);
  if (out.nullable !== true || 'type' in out) return out;
  delete out.nullable;
  return { anyOf: [out, { type: 'null' }] };
}

/** Why the path and query parameters are not the operation's; empty when they are. */
function parameterProblems(op: Operation, values: string[], query: URLSearchParams): string[] {
  const problems: string[] = [];
  op.path.forEach((p, i) => {
    if (!p.validate(values[i])) problems.push(`path parameter ${p.name}: ${values[i]}`);
  });
  for (const [name, value] of query) {
    const p = op.query.get(name);
    if (!p) problems.push(`query parameter ${name} is not one of the operation's`);
    else if (!p.validate(value)) problems.push(`query parameter ${name}: ${value}`);
  }
  return problems;
}

/** An issue or pull request as the stand-in keeps it. */
export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  /** A pull request: the issues list returns it with a `pull_request` key. */
  pullRequest: boolean;
  /** Made by a request to the stand-in, not by the test. */
  viaApi?: boolean;
  created: number;
  updated: number;
}

export interface FakeLabel {
  name: string;
  color: string;
  description: string | null;
}

/** GitHub's Link header on a list: where the next and last pages are, when there are more. */
function pageLinks(url: URL, page: number, pages: number): Record<string, string> {
  if (page >= pages) return {};
  const at = (n: number) => {
    const u = new URL(url);
    u.searchParams.set('page', String(n));
    return `<${u}>`;
  };
  return { link: `${at(page + 1)}; rel="next", ${at(pages)}; rel="last"` };
}

export interface Recorded {
  method: string;
  template: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  status: number;
}

/** An answer of the stand-in: a fault queued by a test, or what GitHub would say. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export class FakeGitHub {
  readonly requests: Recorded[] = [];
  readonly violations: string[] = [];
  readonly checkRuns = new Map<number, Record<string, unknown>>();
  readonly comments: Array<{ id: number; issue: number; body: string }> = [];
  readonly issues = new Map<number, FakeIssue>();
  readonly labels = new Map<string, FakeLabel>();
  /**
   * The repository's Actions cache entries, oldest first, for GET .../actions/caches (a test
   * points it at its cache service stand-in); `key` there is a prefix, as GitHub documents.
   */
  caches: () => string[] = () => [];
  /** Answers to give before the normal one, by "METHOD template". */
  readonly faults = new Map<string, Answer[]>();
  private server?: http.Server;
  private nextId = 1000;
  private nextNumber = 1;
  /** Creation order stands in for time: GitHub's timestamps are seconds apart at best. */
  private clock = 0;
  url = '';

  async start(): Promise<this> {
    loadOperations();
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  reset(): void {
    this.requests.length = 0;
    this.violations.length = 0;
    this.checkRuns.clear();
    this.comments.length = 0;
    this.issues.clear();
    this.labels.clear();
    this.faults.clear();
  }

  /** An issue (or pull request) that exists before the run, as a person or tool made it. */
  addIssue(fields: Partial<Omit<FakeIssue, 'number' | 'created' | 'updated'>>): FakeIssue {
    const at = ++this.clock;
    const issue: FakeIssue = {
      title: 'an issue',
      body: null,
      state: 'open',
      state_reason: null,
      labels: [],
      pullRequest: false,
      ...fields,
      number: this.nextNumber++,
      created: at,
      updated: at,
    };
    this.issues.set(issue.number, issue);
    return issue;
  }

  /** The requests that changed something about one issue: comments, edits. */
  touched(number: number): Recorded[] {
    return this.requests.filter(
      (q) => q.method !== 'GET' && q.path.match(/\/issues\/(\d+)(?:\/|$)/)?.[1] === String(number),
    );
  }

  fail(route: string, ...faults: Answer[]): void {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...faults]);
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const op = loadOperations().find((o) => o.method === method && o.regex.test(url.pathname));
    const reject = (status: number, message: string) => {
      this.violations.push(`${method} ${url.pathname}: ${message}`);
      this.send(res, status, { message });
    };
    if (!op) return reject(404, 'not an operation of the GitHub REST API description');
    // GitHub takes a token in either scheme; octokit sends `token <t>`.
    if (!/^(?:token|Bearer) \S+$/i.test(req.headers.authorization ?? ''))
      return reject(401, 'Requires authentication');
    if (!String(req.headers.accept ?? '').includes('application/vnd.github'))
      return reject(415, 'Accept must name the GitHub media type');
    let body: Record<string, unknown> = {};
    if (text) {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return reject(400, 'Problems parsing JSON');
      }
    }
    if (op.validate && !op.validate(body))
      return reject(422, `Invalid request: ${JSON.stringify(op.validate.errors).slice(0, 500)}`);
    const route = `${method} ${op.template}`;
    // octokit encodes each path parameter (a label `virt-ci/flaky` is `virt-ci%2Fflaky`).
    const params = op.regex.exec(url.pathname)!.slice(1).map(decodeURIComponent);
    const problems = parameterProblems(op, params, url.searchParams);
    if (problems.length) return reject(422, `Invalid request: ${problems.join('; ')}`);
    const fault = this.faults.get(route)?.shift();
    const answer = fault
      ? { ...fault, body: fault.body ?? { message: `injected ${fault.status}` } }
      : this.answer(route, params, body, url);
    if (!answer) return reject(501, 'route not served by the stand-in');
    this.requests.push({
      method,
      template: op.template,
      path: url.pathname,
      query: url.searchParams,
      body,
      status: answer.status,
    });
    this.send(res, answer.status, answer.body, answer.headers);
  }

  /** What GitHub answers a valid request with, keeping the check runs and comments. */
  private answer(
    route: string,
    params: string[],
    body: Record<string, unknown>,
    url: URL,
  ): Answer | undefined {
    const [owner, repo] = params;
    const htmlBase = `https://github.com/${owner}/${repo}`;
    const annotations = (body.output as { annotations?: unknown[] } | undefined)?.annotations;
    const notFound = { status: 404, body: { message: 'Not Found' } };
    switch (route) {
      case 'POST /repos/{owner}/{repo}/check-runs': {
        const id = this.nextId++;
        this.checkRuns.set(id, { ...body, annotationsReceived: [...(annotations ?? [])] });
        return { status: 201, body: { id, html_url: `${htmlBase}/runs/${id}`, ...body } };
      }
      case 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': {
        const id = Number(params[2]);
        const run = this.checkRuns.get(id);
        if (!run) return notFound;
        const got = (run.annotationsReceived as unknown[]).concat(annotations ?? []);
        this.checkRuns.set(id, { ...run, ...body, annotationsReceived: got });
        return { status: 200, body: { id, html_url: `${htmlBase}/runs/${id}` } };
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const issue = Number(params[2]);
        const per = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = this.comments.filter((c) => c.issue === issue);
        return {
          status: 200,
          body: all.slice((page - 1) * per, page * per).map((c) => ({
            id: c.id,
            body: c.body,
            html_url: `${htmlBase}/pull/${issue}#issuecomment-${c.id}`,
          })),
          headers: pageLinks(url, page, Math.ceil(all.length / per)),
        };
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const issue = Number(params[2]);
        const c = { id: this.nextId++, issue, body: String(body.body) };
        this.comments.push(c);
        const html_url = `${htmlBase}/pull/${issue}#issuecomment-${c.id}`;
        return { status: 201, body: { id: c.id, body: c.body, html_url } };
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = this.comments.find((x) => x.id === Number(params[2]));
        if (!c) return notFound;
        c.body = String(body.body);
        const html_url = `${htmlBase}/pull/${c.issue}#issuecomment-${c.id}`;
        return { status: 200, body: { id: c.id, body: c.body, html_url } };
      }
    }
    return this.issueAnswer(route, params, body, url);
  }

  /** The issue and label routes. */
  private issueAnswer(
    route: string,
    params: string[],
    body: Record<string, unknown>,
    url: URL,
  ): Answer | undefined {
    const [owner, repo] = params;
    const htmlBase = `https://github.com/${owner}/${repo}`;
    const notFound = { status: 404, body: { message: 'Not Found' } };
    const invalid = (resource: string, field: string, code: string) => ({
      status: 422,
      body: { message: 'Validation Failed', errors: [{ resource, field, code }] },
    });
    switch (route) {
      case 'GET /repos/{owner}/{repo}/issues':
        return this.listIssues(url, htmlBase);
      case 'POST /repos/{owner}/{repo}/issues': {
        const labels = ((body.labels ?? []) as Array<string | { name?: string }>).map((l) =>
          typeof l === 'string' ? l : String(l.name),
        );
        // GitHub makes a label named on a new issue that the repository does not have yet.
        for (const name of labels) {
          if (!this.label(name))
            this.labels.set(name, { name, color: 'ededed', description: null });
        }
        const issue = this.addIssue({
          title: String(body.title),
          body: typeof body.body === 'string' ? body.body : null,
          labels,
          viaApi: true,
        });
        return { status: 201, body: this.issueJson(issue, htmlBase) };
      }
      case 'PATCH /repos/{owner}/{repo}/issues/{issue_number}': {
        const issue = this.issues.get(Number(params[2]));
        if (!issue) return notFound;
        if (typeof body.title === 'string') issue.title = body.title;
        if (body.body !== undefined) issue.body = body.body as string | null;
        if (Array.isArray(body.labels)) issue.labels = body.labels.map(String);
        // state_reason counts only when the state changes (GitHub's description says so).
        if (body.state !== undefined && body.state !== issue.state) {
          issue.state = body.state as FakeIssue['state'];
          issue.state_reason =
            (body.state_reason as string | null | undefined) ??
            (issue.state === 'closed' ? 'completed' : 'reopened');
        }
        issue.updated = ++this.clock;
        return { status: 200, body: this.issueJson(issue, htmlBase) };
      }
      case 'GET /repos/{owner}/{repo}/actions/caches': {
        const prefix = url.searchParams.get('key') ?? '';
        const desc = (url.searchParams.get('direction') ?? 'desc') === 'desc';
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
        const all = this.caches()
          .map((key, i) => ({
            id: i + 1,
            ref: 'refs/heads/main',
            key,
            version: 'v',
            last_accessed_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
            created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
            size_in_bytes: 1024,
          }))
          .filter((c) => c.key.startsWith(prefix));
        if (desc) all.reverse();
        return {
          status: 200,
          body: { total_count: all.length, actions_caches: all.slice(0, perPage) },
        };
      }
      case 'GET /repos/{owner}/{repo}/labels/{name}': {
        const label = this.label(params[2]);
        return label ? { status: 200, body: label } : notFound;
      }
      case 'POST /repos/{owner}/{repo}/labels': {
        const name = String(body.name);
        if (this.label(name)) return invalid('Label', 'name', 'already_exists');
        const color = String(body.color ?? 'ededed');
        if (!/^[0-9a-fA-F]{6}$/.test(color)) return invalid('Label', 'color', 'invalid');
        const description = typeof body.description === 'string' ? body.description : null;
        if ((description?.length ?? 0) > 100) return invalid('Label', 'description', 'invalid');
        const label = { name, color, description };
        this.labels.set(name, label);
        return { status: 201, body: label };
      }
    }
    return undefined;
  }

  /** Label names are compared without case, as GitHub does. */
  private label(name: string): FakeLabel | undefined {
    return [...this.labels.values()].find((l) => l.name.toLowerCase() === name.toLowerCase());
  }

  private listIssues(url: URL, htmlBase: string): Answer {
    const q = url.searchParams;
    const state = q.get('state') ?? 'open';
    const wanted = (q.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const sort = q.get('sort') === 'updated' ? 'updated' : 'created';
    const sign = q.get('direction') === 'asc' ? 1 : -1;
    const all = [...this.issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
      .sort((a, b) => sign * (a[sort] - b[sort]));
    const per = Math.min(100, Number(q.get('per_page') ?? 30));
    const page = Number(q.get('page') ?? 1);
    return {
      status: 200,
      body: all.slice((page - 1) * per, page * per).map((i) => this.issueJson(i, htmlBase)),
      headers: pageLinks(url, page, Math.ceil(all.length / per)),
    };
  }

  private issueJson(i: FakeIssue, htmlBase: string): Record<string, unknown> {
    const kind = i.pullRequest ? 'pull' : 'issues';
    const time = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
    return {
      id: 50_000 + i.number,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: i.state_reason,
      labels: i.labels.map((name) => ({ name, color: this.label(name)?.color ?? 'ededed' })),
      html_url: `${htmlBase}/${kind}/${i.number}`,
      created_at: time(i.created),
      updated_at: time(i.updated),
      ...(i.pullRequest
        ? { pull_request: { html_url: `${htmlBase}/pull/${i.number}`, merged_at: null } }
        : {}),
    };
  }
}
