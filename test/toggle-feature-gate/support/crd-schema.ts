import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { fixtures } from '../../support/harness.js';

/**
 * The real CRDs' OpenAPI schemas (trimmed copies under test/fixtures/toggle-feature-gate/crds,
 * see the README there), applied as the apiextensions-apiserver applies a structural schema
 * to a custom resource before storing it:
 * - unknown fields are pruned, and with the default fieldValidation=Warn each one becomes a
 *   `unknown field "<path>"` warning;
 * - a null in a field that is not `nullable` is pruned before validation;
 * - the rest is validated; failures are field errors of the kind the API server returns in a
 *   422's causes (FieldValueInvalid, FieldValueRequired, FieldValueNotSupported).
 * metadata is the API server's own (ObjectMeta), not the CRD's: it is neither pruned nor
 * validated here. Defaulting is not done (the fake adds no defaults the schema would).
 */
export interface CrdInfo {
  crd: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  subresources: { status?: unknown };
  openAPIV3Schema: Schema;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [k: string]: unknown;
}

export interface FieldCause {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported';
  message: string;
  field: string;
}

export interface SchemaCheck {
  /** The object as it would be stored: unknown fields and non-nullable nulls pruned. */
  object: Record<string, unknown>;
  /** Pruned unknown fields, by path (spec.x.y). */
  unknown: string[];
  causes: FieldCause[];
}

const DIR = path.join(fixtures, 'toggle-feature-gate', 'crds');

function loadAll(): Map<string, CrdInfo> {
  const out = new Map<string, CrdInfo>();
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.json'))) {
    const info = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as CrdInfo;
    out.set(info.crd, info);
  }
  return out;
}

export const CRDS = loadAll();

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

function validator(info: CrdInfo): ValidateFunction {
  let v = compiled.get(info.crd);
  if (!v) {
    const { metadata: _m, ...props } = info.openAPIV3Schema.properties ?? {};
    v = ajv.compile({ ...info.openAPIV3Schema, properties: props });
    compiled.set(info.crd, v);
  }
  return v;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function prune(value: unknown, s: Schema | undefined, at: string, unknown: string[]): unknown {
  if (!s || s['x-kubernetes-preserve-unknown-fields'] === true) return value;
  if (Array.isArray(value)) {
    return value.map((v, i) => prune(v, s.items, `${at}[${i}]`, unknown));
  }
  if (!isObj(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const child =
      s.properties?.[k] ?? (isObj(s.additionalProperties) ? s.additionalProperties : undefined);
    const p = at ? `${at}.${k}` : k;
    if (!child && !(s.additionalProperties === true) && s.properties) {
      unknown.push(p);
      continue;
    }
    if (v === null && child && !child.nullable) continue;
    out[k] = prune(v, child, p, unknown);
  }
  return out;
}

function fieldOf(e: ErrorObject): string {
  return e.instancePath
    .split('/')
    .slice(1)
    .map((t) => (/^\d+$/.test(t) ? `[${t}]` : `.${t}`))
    .join('')
    .replace(/^\./, '');
}

function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}

function causeOf(e: ErrorObject, obj: unknown): FieldCause {
  const field = fieldOf(e);
  let value: unknown = obj;
  for (const t of e.instancePath.split('/').slice(1)) {
    value =
      isObj(value) || Array.isArray(value) ? (value as Record<string, unknown>)[t] : undefined;
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    const f = field ? `${field}.${missing}` : missing;
    return { reason: 'FieldValueRequired', field: f, message: `${f}: Required value` };
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(shown).join(', ');
    return {
      reason: 'FieldValueNotSupported',
      field,
      message: `${field}: Unsupported value: ${shown(value)}: supported values: ${allowed}`,
    };
  }
  const what =
    e.keyword === 'type'
      ? `must be of type ${(e.params as { type: string }).type}`
      : (e.message ?? e.keyword);
  return {
    reason: 'FieldValueInvalid',
    field,
    message: `${field}: Invalid value: ${shown(typeof value === 'object' ? typeof value : value)}: ${field} in body ${what}`,
  };
}

/** Prune and validate an object of a known CRD as the API server would before storing it. */
export function checkObject(crd: string, obj: Record<string, unknown>): SchemaCheck {
  const info = CRDS.get(crd);
  if (!info) throw new Error(`no schema for ${crd}`);
  const unknown: string[] = [];
  const { metadata, apiVersion, kind, ...rest } = obj;
  const { metadata: _m, ...schemaProps } = info.openAPIV3Schema.properties ?? {};
  const pruned = prune(
    rest,
    { ...info.openAPIV3Schema, properties: schemaProps },
    '',
    unknown,
  ) as Record<string, unknown>;
  delete pruned.apiVersion;
  delete pruned.kind;
  const object = { apiVersion, kind, metadata, ...pruned };
  const v = validator(info);
  const causes = v({ apiVersion, kind, ...pruned })
    ? []
    : (v.errors ?? []).map((e) => causeOf(e, { apiVersion, kind, ...pruned }));
  return { object, unknown, causes };
}

/** The 422 message the API server puts over a CR's field errors. */
export function invalidMessage(info: CrdInfo, name: string, causes: FieldCause[]): string {
  const list = causes.map((c) => c.message);
  const body = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return `${info.kind}.${info.group} "${name}" is invalid: ${body}`;
}
