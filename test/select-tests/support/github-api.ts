import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { repoRoot } from '../../support/harness.js';

/**
 * A local stand-in for GitHub's REST API, for the one operation select-tests uses:
 * GET /repos/{owner}/{repo}/issues/{issue_number}/labels. No GitHub is reachable from tests,
 * so each request is checked against GitHub's own OpenAPI description (@octokit/openapi):
 * the path and query parameters with their types, the 100-per-page limit, and every label
 * sent back is checked against the description's `label` schema before it leaves. Pagination
 * uses Link headers as GitHub does; 401 without the right token, 404 for unknown issues.
 */
type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  items?: Schema;
  $ref?: string;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

const OPERATION = '/repos/{owner}/{repo}/issues/{issue_number}/labels';

function loadDescription() {
  const file = path.join(repoRoot, 'node_modules/@octokit/openapi/generated/api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    paths: Record<
      string,
      {
        get: {
          parameters: Array<Parameter | { $ref: string }>;
          responses: Record<string, unknown>;
        };
      }
    >;
    components: { parameters: Record<string, Parameter>; schemas: Record<string, Schema> };
  };
  const op = doc.paths[OPERATION].get;
  const params = op.parameters.map((p) =>
    '$ref' in p ? doc.components.parameters[p.$ref.split('/').pop() as string] : p,
  );
  const ok = op.responses['200'] as {
    content: { 'application/json': { schema: { items: { $ref: string } } } };
  };
  const labelSchema =
    doc.components.schemas[
      ok.content['application/json'].schema.items.$ref.split('/').pop() as string
    ];
  return { params, labelSchema };
}

function checkValue(value: unknown, schema: Schema, where: string): string[] {
  if (value === null) return schema.nullable ? [] : [`${where}: null not allowed`];
  switch (schema.type) {
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where}: not an integer`];
    case 'string':
      return typeof value === 'string' ? [] : [`${where}: not a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where}: not a boolean`];
    case 'object': {
      if (typeof value !== 'object') return [`${where}: not an object`];
      const o = value as Record<string, unknown>;
      const errs = (schema.required ?? [])
        .filter((k) => !(k in o))
        .map((k) => `${where}.${k}: required`);
      for (const [k, s] of Object.entries(schema.properties ?? {}))
        if (k in o) errs.push(...checkValue(o[k], s, `${where}.${k}`));
      return errs;
    }
  }
  return [];
}

export interface FakeGitHub {
  url: string;
  requests: Array<{ method: string; url: string; authorization?: string }>;
  /** Problems found in requests (and in our own answers): a test expects none. */
  violations: string[];
  /** Answer the next N requests with this status before behaving normally. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export async function startFakeGitHub(opts: {
  token: string;
  /** "owner/repo#number" -> label names. */
  issues: Record<string, string[]>;
}): Promise<FakeGitHub> {
  const { params, labelSchema } = loadDescription();
  const requests: FakeGitHub['requests'] = [];
  const violations: string[] = [];
  let faults: number[] = [];
  const route = new RegExp(
    '^' + OPERATION.replace(/\{(\w+)\}/g, (_m, n: string) => `(?<${n}>[^/]+)`) + '$',
  );

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({
      method: req.method ?? '',
      url: url.pathname + url.search,
      authorization: req.headers.authorization,
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const fault = faults.shift();
    if (fault)
      return send(fault, { message: 'Server Error' }, fault === 429 ? { 'retry-after': '0' } : {});
    const m = route.exec(url.pathname);
    if (req.method !== 'GET' || !m?.groups) return send(404, { message: 'Not Found' });
    for (const p of params) {
      const raw =
        p.in === 'path'
          ? m.groups[p.name]
          : p.in === 'query'
            ? url.searchParams.get(p.name)
            : undefined;
      if (raw === undefined || raw === null) {
        if (p.required) violations.push(`missing ${p.in} parameter ${p.name}`);
        continue;
      }
      if (p.schema.type === 'integer' && !/^\d+$/.test(raw))
        violations.push(`${p.name}=${raw} is not an integer`);
    }
    for (const k of url.searchParams.keys()) {
      if (!params.some((p) => p.in === 'query' && p.name === k))
        violations.push(`unknown query parameter ${k}`);
    }
    const perPage = Number(url.searchParams.get('per_page') ?? '30');
    if (perPage > 100) violations.push(`per_page=${perPage} is above GitHub's maximum 100`);
    if (
      req.headers.authorization !== `Bearer ${opts.token}` &&
      req.headers.authorization !== `token ${opts.token}`
    ) {
      return send(401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const key = `${m.groups.owner}/${m.groups.repo}#${m.groups.issue_number}`;
    const names = opts.issues[key];
    if (!names)
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const page = Number(url.searchParams.get('page') ?? '1');
    const slice = names.slice((page - 1) * perPage, page * perPage);
    const body = slice.map((name, i) => ({
      id: 1000 + i,
      node_id: `LA_${i}`,
      url: `${url.origin}/repos/${m.groups?.owner}/${m.groups?.repo}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false,
    }));
    for (const [i, l] of body.entries())
      violations.push(...checkValue(l, labelSchema, `answer[${i}]`));
    const headers: Record<string, string> = {};
    const host = `http://${req.headers.host}`;
    if (page * perPage < names.length) {
      const next = new URL(url.pathname, host);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next}>; rel="next"`;
    }
    send(200, body, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    failNext(status, times = 1) {
      faults = [...faults, ...Array<number>(times).fill(status)];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
