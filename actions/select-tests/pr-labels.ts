import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { UserError } from '../../shared/errors.js';
import { fetchWithRetry } from '../../shared/retry.js';

/**
 * Pull-request labels that steer the selection: `virt-ci/focus:<label>` narrows to specs
 * with that label, `virt-ci/skip:<label>` leaves them out.
 */
export const FOCUS_PREFIX = 'virt-ci/focus:';
export const SKIP_PREFIX = 'virt-ci/skip:';

export interface PrLabels {
  names: string[];
  source: 'input' | 'api' | 'event' | 'none';
}

interface EventPayload {
  pull_request?: { number?: number; labels?: Array<{ name?: string }> };
  number?: number;
}

function readEvent(env: NodeJS.ProcessEnv): EventPayload {
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

/**
 * The event's copy of the labels is frozen when the run starts, so a label added to re-run a
 * job would be missed; with a token the labels are read live from the REST API. A token that
 * may not read them (403/404) falls back to the event's copy with a warning.
 */
export async function resolvePrLabels(opts: {
  explicit?: string[];
  token?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<PrLabels> {
  if (opts.explicit && opts.explicit.length > 0) return { names: opts.explicit, source: 'input' };
  const env = opts.env ?? process.env;
  const event = readEvent(env);
  const pr = event.pull_request;
  if (!pr) return { names: [], source: 'none' };
  const fromEvent = (pr.labels ?? []).map((l) => l.name ?? '').filter((n) => n !== '');
  const repo = env.GITHUB_REPOSITORY;
  const number = pr.number ?? event.number;
  if (opts.token && repo && number) {
    const live = await fetchLabels(
      env.GITHUB_API_URL || 'https://api.github.com',
      repo,
      number,
      opts.token,
    );
    if (live) return { names: live, source: 'api' };
  }
  return { names: fromEvent, source: 'event' };
}

async function fetchLabels(
  api: string,
  repo: string,
  number: number,
  token: string,
): Promise<string[] | undefined> {
  const names: string[] = [];
  let url: string | undefined =
    `${api.replace(/\/$/, '')}/repos/${repo}/issues/${number}/labels?per_page=100`;
  for (let page = 0; url && page < 20; page++) {
    let res: Response;
    try {
      res = await fetchWithRetry(url, {
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'virt-ci-select-tests',
        },
      });
    } catch (err) {
      throw new UserError(
        `GitHub API: reading the labels of ${repo}#${number} failed after retries: ${(err as Error).message}`,
      );
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      await res.body?.cancel();
      core.warning(
        `select-tests: the token may not read the labels of ${repo}#${number} (HTTP ${res.status}); using the labels in the event payload, which are those at the start of the run`,
      );
      return undefined;
    }
    if (!res.ok) {
      throw new UserError(
        `GitHub API: GET /repos/${repo}/issues/${number}/labels answered HTTP ${res.status}`,
      );
    }
    const body = (await res.json()) as Array<{ name?: unknown }>;
    if (!Array.isArray(body))
      throw new UserError(`GitHub API: labels of ${repo}#${number}: unexpected answer`);
    for (const l of body) if (typeof l.name === 'string') names.push(l.name);
    url = nextLink(res.headers.get('link'));
  }
  return names;
}

function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

/** The labels that PR labels focus on and skip, by their prefixes (case-insensitive). */
export function steeringLabels(names: readonly string[]): { focus: string[]; skip: string[] } {
  const focus: string[] = [];
  const skip: string[] = [];
  for (const n of names) {
    const lower = n.toLowerCase();
    if (lower.startsWith(FOCUS_PREFIX)) focus.push(n.slice(FOCUS_PREFIX.length).trim());
    else if (lower.startsWith(SKIP_PREFIX)) skip.push(n.slice(SKIP_PREFIX.length).trim());
  }
  return { focus, skip };
}
