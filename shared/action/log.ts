import type { Runner } from './runner.js';

/**
 * The progress log handed to the work as a dependency: long work prints as it goes and groups
 * its output. Tests pass `collectLog()` and read the lines.
 */
export interface Log {
  info(line: string): void;
  debug(line: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export function runnerLog(runner: Runner): Log {
  // The runner's log has one level of groups: a group opened inside another (a part's phase
  // inside the root action's part) becomes a heading line within the open one.
  let depth = 0;
  return {
    info: (line) => runner.info(line),
    debug: (line) => runner.debug(line),
    group: async (title, fn) => {
      if (depth > 0) runner.info(`── ${title}`);
      else runner.startGroup(title);
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
        if (depth === 0) runner.endGroup();
      }
    },
  };
}

export interface CollectedLog extends Log {
  lines: string[];
}

export function collectLog(): CollectedLog {
  const lines: string[] = [];
  return {
    lines,
    info: (line) => void lines.push(line),
    debug: () => undefined,
    group: async (title, fn) => {
      lines.push(`▸ ${title}`);
      return fn();
    },
  };
}

export const silentLog: Log = {
  info: () => undefined,
  debug: () => undefined,
  group: (_title, fn) => fn(),
};
