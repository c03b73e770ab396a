import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { repoRoot } from '../support/harness.js';

/**
 * A stand-in for the GitHub REST API on 127.0.0.1 for the endpoints publish-junit calls. No
 * GitHub is reachable from the tests, so each request is checked against GitHub's own OpenAPI
 * description (@octokit/openapi): the method and path must be an operation it documents and
 * the JSON body must match that operation's request schema (check-run annotations: at most 50
 * per request, required fields...). A request that does not is answered 422 and recorded in
 * `violations`, and the test fails on it. As GitHub does, it takes the token as `token <t>`
 * (octokit's form) or `Bearer <t>`, and pages lists with a Link header. Faults (5xx, 429,
 * 403) can be queued per route.
 */
interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  validate?: ((body: unknown) => boolean) & { errors?: unknown };
}

const USED = [
  ['post', '/repos/{owner}/{repo}/check-runs'],
  ['patch', '/repos/{owner}/{repo}/check-runs/{check_run_id}'],
  ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['patch', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
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
      Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>
    >;
  };
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  operations = USED.map(([method, template]) => {
    const op = spec.paths[template]?.[method];
    if (!op) throw new Error(`OpenAPI description has no ${method} ${template}`);
    const schema = op.requestBody?.content['application/json']?.schema;
    return {
      method: method.toUpperCase(),
      template,
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
      validate: schema ? ajv.compile(schema) : undefined,
    };
  });
  return operations;
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
  /** Answers to give before the normal one, by "METHOD template". */
  readonly faults = new Map<string, Answer[]>();
  private server?: http.Server;
  private nextId = 1000;
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
    this.faults.clear();
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
    const params = op.regex.exec(url.pathname)!.slice(1);
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
    return undefined;
  }
}
