import { UserError, quote } from '../../shared/errors.js';
import { parseBoolean, parseMap } from '../../shared/inputs.js';

/**
 * The gates a run asks for. Names follow the Kubernetes feature-gate form (UpperCamelCase
 * letters and digits, as in `kube-apiserver --feature-gates` and KubeVirt's gate list); the
 * order given is kept so lists written to a cluster or a file read the way the user wrote them.
 */
export const GATE_NAME = /^[A-Z][A-Za-z0-9]*$/;

export interface GateRequest {
  enable: string[];
  disable: string[];
}

export function gateRequestFromMap(
  entries: Iterable<[string, boolean]>,
  what: string,
): GateRequest {
  const enable: string[] = [];
  const disable: string[] = [];
  for (const [name, on] of entries) {
    if (!GATE_NAME.test(name)) {
      throw new UserError(
        `${what}: ${quote(name)} is not a feature gate name; allowed: UpperCamelCase letters and digits (e.g. HyperVL1VH, ConfigurableHypervisor)`,
      );
    }
    (on ? enable : disable).push(name);
  }
  return { enable, disable };
}

/**
 * `Name=true,Other=false` from the `gates` input, comma or newline separated; a bare name
 * means true. A name given both ways is refused rather than resolved by position.
 */
export function parseGateInput(text: string): GateRequest {
  const what = 'input "gates"';
  const map = parseMap(text, what, 'true');
  const seen = new Map<string, string>();
  const entries: Array<[string, boolean]> = [];
  for (const [name, value] of map) {
    const on = parseBoolean(value, `${what}: ${quote(name)}`);
    const lower = name.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined) {
      throw new UserError(
        `${what}: ${quote(other)} and ${quote(name)} name the same gate in different case; give it once`,
      );
    }
    seen.set(lower, name);
    entries.push([name, on]);
  }
  return gateRequestFromMap(entries, what);
}

export function isEmpty(req: GateRequest): boolean {
  return req.enable.length === 0 && req.disable.length === 0;
}

/** Add `names` missing from `list` at its end and drop `drop`, keeping everything else. */
export function editList(list: readonly string[], add: readonly string[], drop: readonly string[]) {
  const out = list.filter((n) => !drop.includes(n));
  for (const n of add) if (!out.includes(n)) out.push(n);
  return out;
}

/** `A=true,B=false` (the kube component `--feature-gates` string form). */
export function parseGateString(text: string, what: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const item of text.split(',')) {
    const s = item.trim();
    if (s === '') continue;
    const eq = s.indexOf('=');
    if (eq < 0) throw new UserError(`${what}: ${quote(s)} is not of the form Name=true|false`);
    out.set(s.slice(0, eq).trim(), parseBoolean(s.slice(eq + 1), `${what}: ${quote(s)}`));
  }
  return out;
}

export function formatGateString(map: Map<string, boolean>): string {
  return [...map].map(([k, v]) => `${k}=${v}`).join(',');
}
