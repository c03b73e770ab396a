/**
 * The runner's side of the protocol: the files an action writes (GITHUB_OUTPUT, GITHUB_ENV,
 * GITHUB_STATE, GITHUB_PATH) and the `::command::` lines it prints.
 */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

/** Parse `name=value` and `name<<DELIM ... DELIM` entries, the format @actions/core writes. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '') continue;
    const heredoc = line.indexOf('<<');
    const eq = line.indexOf('=');
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delim = line.slice(heredoc + 2);
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i].replace(/\r$/, '') !== delim) value.push(lines[i++]);
      if (i >= lines.length)
        throw new Error(`file command ${name}: delimiter ${delim} never closed`);
      out[name] = value.join('\n');
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`file command: cannot parse line ${JSON.stringify(line)}`);
    }
  }
  return out;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

// %25 comes back last, as the runner does it: an escaped "%3A" ("%253A") must stay "%3A".
function unescapeProperty(s: string): string {
  return s
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%');
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

/** Parse one `::command key=value,...::message` line; undefined for ordinary output. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const m = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  const properties: Record<string, string> = {};
  if (m[2]) {
    for (const part of m[2].split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) properties[part.slice(0, eq).trim()] = unescapeProperty(part.slice(eq + 1));
    }
  }
  return { command: m[1], properties, message: unescapeData(m[3]) };
}
