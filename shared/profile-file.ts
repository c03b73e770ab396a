import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { UserError, quote } from './errors.js';
import { parseBudget, parseDays, parseThreshold } from './history/policy.js';
import {
  GATE_TARGETS,
  HYPERVISORS,
  type Environment,
  type EnvironmentSettings,
  type FlakeSettings,
  type GateSettings,
  type Profile,
  type PromoteSettings,
  type TestSettings,
} from './profile.js';

/**
 * Reading and validating the profile file. Apart from shared/profile.ts (its types and the
 * environment lookup) because it needs the YAML parser, which a step loads only when the file
 * exists. Validation names the file, the line, the field, what is wrong and what is allowed.
 */
class At {
  constructor(
    readonly file: string,
    readonly lines: LineCounter,
  ) {}
  fail(node: Node | Pair | null | undefined, field: string, what: string): never {
    const range = node && 'range' in node ? node.range : undefined;
    const key = node && 'key' in node ? (node.key as Node | null) : undefined;
    const offset = range?.[0] ?? key?.range?.[0];
    const line = offset === undefined ? 1 : this.lines.linePos(offset).line;
    throw new UserError(`${this.file}:${line}: ${field}: ${what}`);
  }
}

function scalarString(at: At, node: Node | null, field: string, allowed?: string): string {
  if (isScalar(node) && node.value === null) {
    at.fail(node, field, `has no value; allowed: ${allowed ?? 'a string ("" for an empty one)'}`);
  }
  if (!isScalar(node) || typeof node.value === 'object') {
    at.fail(node, field, 'must be a string');
  }
  return String(node.value);
}

function scalarBool(at: At, node: Node | null, field: string): boolean {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  if (isScalar(node) && typeof node.value === 'string') {
    const v = node.value.toLowerCase();
    if (v === 'true' || v === 'false') return v === 'true';
  }
  if (isScalar(node) && node.value === null)
    at.fail(node, field, 'has no value; allowed: true | false');
  return at.fail(
    node,
    field,
    `${quote(isScalar(node) ? node.value : '(not a scalar)')} is not a boolean; allowed: true | false`,
  );
}

function stringList(at: At, node: Node | null, field: string): string[] {
  if (isSeq(node))
    return node.items.map((item, i) => scalarString(at, item as Node, `${field}[${i}]`));
  return scalarString(at, node, field)
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function oneOf<T extends string>(
  at: At,
  node: Node | null,
  field: string,
  allowed: readonly T[],
): T {
  const value = scalarString(at, node, field, allowed.join(' | '));
  if (!allowed.includes(value as T)) {
    at.fail(node, field, `${quote(value)} is not allowed; allowed: ${allowed.join(' | ')}`);
  }
  return value as T;
}

function entries(at: At, node: Node | null, field: string): Array<[string, Node | null, Pair]> {
  if (node === null || (isScalar(node) && node.value === null)) return [];
  if (!isMap(node)) at.fail(node, field, 'must be a mapping');
  return node.items.map((pair) => {
    const key = isScalar(pair.key)
      ? String(pair.key.value)
      : at.fail(pair, field, 'keys must be plain names');
    return [key, pair.value as Node | null, pair];
  });
}

const GATE_NAME = /^[A-Z][A-Za-z0-9]*$/;
const GATE_SETTING_KEYS = [
  'target',
  'namespace',
  'name',
  'path',
  'kubeconfig',
  'emulation',
  'hypervisor',
  'timeout',
];

function readGates(at: At, node: Node | null, field: string): GateSettings {
  const gates: GateSettings = { values: {} };
  for (const [key, value, pair] of entries(at, node, field)) {
    const f = `${field}.${key}`;
    switch (key) {
      case 'target':
        gates.target = oneOf(at, value, f, GATE_TARGETS);
        break;
      case 'emulation':
        gates.emulation = scalarBool(at, value, f);
        break;
      case 'namespace':
      case 'name':
      case 'path':
      case 'kubeconfig':
      case 'hypervisor':
      case 'timeout':
        gates[key] = scalarString(at, value, f);
        break;
      default:
        if (!GATE_NAME.test(key)) {
          at.fail(
            pair,
            f,
            `${quote(key)} is neither a gate name (UpperCamelCase, e.g. HyperVL1VH) nor a setting; settings: ${GATE_SETTING_KEYS.join(', ')}`,
          );
        }
        gates.values[key] = scalarBool(at, value, f);
    }
  }
  return gates;
}

const TEST_KEYS = [
  'labelFilter',
  'focus',
  'skip',
  'runner',
  'inventory',
  'quarantine',
  'timings',
] as const;

function readTests(at: At, node: Node | null, field: string): TestSettings {
  const tests: TestSettings = {};
  for (const [key, value, pair] of entries(at, node, field)) {
    const f = `${field}.${key}`;
    if (key === 'timings') tests.timings = stringList(at, value, f);
    else if ((TEST_KEYS as readonly string[]).includes(key)) {
      tests[key as Exclude<(typeof TEST_KEYS)[number], 'timings'>] = scalarString(at, value, f);
    } else at.fail(pair, f, `unknown field; allowed: ${TEST_KEYS.join(', ')}`);
  }
  return tests;
}

const PROMOTE_KEYS = ['source', 'targets', 'referrers', 'overwrite'];

function readPromote(at: At, node: Node | null, field: string): PromoteSettings {
  const promote: PromoteSettings = {};
  for (const [key, value, pair] of entries(at, node, field)) {
    const f = `${field}.${key}`;
    if (key === 'source') promote.source = scalarString(at, value, f);
    else if (key === 'targets') promote.targets = stringList(at, value, f);
    else if (key === 'referrers' || key === 'overwrite') promote[key] = scalarBool(at, value, f);
    else at.fail(pair, f, `unknown field; allowed: ${PROMOTE_KEYS.join(', ')}`);
  }
  return promote;
}

const FLAKE_CHECKS = {
  budget: parseBudget,
  threshold: parseThreshold,
  expiry: parseDays,
  period: parseDays,
};
const FLAKE_KEYS = ['budget', 'threshold', 'expiry', 'issues', 'keep', 'period'];

function readFlake(at: At, node: Node | null, field: string): FlakeSettings {
  const flake: FlakeSettings = {};
  for (const [key, value, pair] of entries(at, node, field)) {
    const f = `${field}.${key}`;
    if (key === 'issues') flake.issues = scalarBool(at, value, f);
    else if (key === 'keep') {
      const n = isScalar(value) ? Number(value.value) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > 1000)
        at.fail(value ?? pair, f, 'must be a whole number of runs from 1 to 1000');
      flake.keep = n;
    } else if (key in FLAKE_CHECKS) {
      const k = key as keyof typeof FLAKE_CHECKS;
      flake[k] = scalarString(at, value, f);
      try {
        FLAKE_CHECKS[k](flake[k], f);
      } catch (err) {
        at.fail(value ?? pair, f, (err as Error).message.slice(f.length + 2));
      }
    } else at.fail(pair, f, `unknown field; allowed: ${FLAKE_KEYS.join(', ')}`);
  }
  return flake;
}

const ENV_KEYS = [
  'description',
  'hypervisor',
  'fallback',
  'packages',
  'env',
  'gates',
  'tests',
  'promote',
  'junit',
  'flake',
  'matrix',
];

function readSettings(at: At, node: Node | null, field: string): EnvironmentSettings {
  const s: EnvironmentSettings = {
    env: {},
    gates: { values: {} },
    tests: {},
    promote: {},
    flake: {},
    matrix: {},
  };
  for (const [key, value, pair] of entries(at, node, field)) {
    const f = `${field}.${key}`;
    switch (key) {
      case 'description':
        s.description = scalarString(at, value, f);
        break;
      case 'hypervisor':
        s.hypervisor = oneOf(at, value, f, HYPERVISORS);
        break;
      case 'fallback':
        s.fallback = oneOf(at, value, f, ['none', 'emulation'] as const);
        break;
      case 'packages':
        s.packages = stringList(at, value, f);
        break;
      case 'junit':
        s.junit = stringList(at, value, f);
        break;
      case 'env':
        for (const [name, v, p] of entries(at, value, f)) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            at.fail(p, `${f}.${name}`, 'is not a valid environment variable name');
          }
          if (!isScalar(v)) at.fail(v, `${f}.${name}`, 'must be a string, number or boolean');
          s.env[name] = v.value === null ? '' : String(v.value);
        }
        break;
      case 'matrix':
        for (const [name, v] of entries(at, value, f)) {
          if (!isScalar(v) || v.value === null || typeof v.value === 'object') {
            at.fail(v, `${f}.${name}`, 'must be a string, number or boolean');
          }
          s.matrix[name] = v.value as string | number | boolean;
        }
        break;
      case 'gates':
        s.gates = readGates(at, value, f);
        break;
      case 'tests':
        s.tests = readTests(at, value, f);
        break;
      case 'promote':
        s.promote = readPromote(at, value, f);
        break;
      case 'flake':
        s.flake = readFlake(at, value, f);
        break;
      default:
        at.fail(pair, f, `unknown field; allowed: ${ENV_KEYS.join(', ')}`);
    }
  }
  return s;
}

/** Parse and validate profile text. `file` is only used in messages. */
export function parseProfile(text: string, file: string): Profile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = new At(file, lines);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = lines.linePos(e.pos[0]).line;
    throw new UserError(`${file}:${line}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents as Node | null;
  if (!isMap(root))
    at.fail(root, '(top level)', 'must be a mapping with version, defaults and environments');
  let version: 1 | undefined;
  let defaults: EnvironmentSettings = readSettings(at, null, 'defaults');
  const environments: Environment[] = [];
  for (const [key, value, pair] of entries(at, root, '(top level)')) {
    if (key === 'version') {
      if (!isScalar(value) || String(value.value) !== '1') {
        at.fail(
          value ?? pair,
          'version',
          `${quote(isScalar(value) ? value.value : value)} is not supported; allowed: 1`,
        );
      }
      version = 1;
    } else if (key === 'defaults') {
      defaults = readSettings(at, value, 'defaults');
    } else if (key === 'environments') {
      for (const [name, envNode, envPair] of entries(at, value, 'environments')) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
          at.fail(
            envPair,
            `environments.${name}`,
            'an environment name uses letters, digits, ".", "_" and "-"',
          );
        }
        environments.push({ name, ...readSettings(at, envNode, `environments.${name}`) });
      }
    } else {
      at.fail(pair, key, 'unknown field; allowed: version, defaults, environments');
    }
  }
  if (version === undefined) return at.fail(root, 'version', 'is missing; allowed: 1');
  return {
    file,
    version,
    defaults,
    environments: environments.map((e) => mergeSettings(defaults, e)),
  };
}

function mergeSettings<T extends EnvironmentSettings>(base: EnvironmentSettings, over: T): T {
  const defined = <O extends object>(o: O) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
  return {
    ...base,
    ...defined(over),
    env: { ...base.env, ...over.env },
    gates: {
      ...defined(base.gates),
      ...defined(over.gates),
      values: { ...base.gates.values, ...over.gates.values },
    },
    tests: { ...base.tests, ...defined(over.tests) },
    promote: { ...base.promote, ...defined(over.promote) },
    flake: { ...base.flake, ...defined(over.flake) },
    matrix: { ...base.matrix, ...over.matrix },
  } as T;
}

export function readProfile(file: string, displayName = file): Profile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${displayName}: cannot be read: ${(err as Error).message}`);
  }
  return parseProfile(text, displayName);
}
