import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UserError, quote } from '../../shared/errors.js';
import { readJUnitFile } from '../../shared/junit/reader.js';
import type { FoundFile } from './files.js';

/** One test the suite knows about: its id (what runners select by) and its labels. */
export interface InventoryTest {
  id: string;
  labels: string[];
  /**
   * Ginkgo's suite description, when known: Ginkgo matches --focus and --skip against
   * "<suite description> <spec text>", not the spec text alone.
   */
  suite?: string;
}

export type InventoryFormat = 'ginkgo' | 'junit' | 'list';

export interface Inventory {
  tests: InventoryTest[];
  formats: InventoryFormat[];
  files: string[];
}

/**
 * Ginkgo writes JUnit names as `[It] container text leaf text [label, label]`; the id is the
 * spec's full text, the same as in its JSON report, and the bracketed labels are its labels.
 */
const GINKGO_JUNIT_NAME = /^\[(It|Entry|Measure)\] (.*?)(?: \[([^\]]*)\])?$/s;

export function parseGinkgoJUnitName(name: string): InventoryTest | undefined {
  const m = GINKGO_JUNIT_NAME.exec(name);
  if (!m) return undefined;
  const labels = m[3] ? m[3].split(', ').filter((l) => l !== '') : [];
  return { id: m[2], labels };
}

interface GinkgoSpecReport {
  ContainerHierarchyTexts?: string[] | null;
  ContainerHierarchyLabels?: (string[] | null)[] | null;
  LeafNodeType?: string;
  LeafNodeText?: string;
  LeafNodeLabels?: string[] | null;
  State?: string;
}

interface GinkgoReport {
  SuiteDescription?: string;
  SuiteLabels?: string[] | null;
  SpecReports?: GinkgoSpecReport[] | null;
}

function isGinkgoReport(doc: unknown): doc is GinkgoReport[] {
  return (
    Array.isArray(doc) &&
    doc.length > 0 &&
    doc.every((r) => r !== null && typeof r === 'object' && 'SpecReports' in r)
  );
}

function fromGinkgo(reports: GinkgoReport[], display: string): InventoryTest[] {
  const out: InventoryTest[] = [];
  reports.forEach((report, r) => {
    const suiteLabels = report.SuiteLabels ?? [];
    (report.SpecReports ?? []).forEach((spec, s) => {
      // Suite set-up nodes (BeforeSuite, ReportAfterSuite...) are reports too, not specs.
      if (spec.LeafNodeType !== undefined && spec.LeafNodeType !== 'It') return;
      if (spec.State === 'pending') return;
      if (typeof spec.LeafNodeText !== 'string') {
        throw new UserError(
          `${display}: [${r}].SpecReports[${s}] has no LeafNodeText; is this a Ginkgo JSON report?`,
        );
      }
      const texts = [...(spec.ContainerHierarchyTexts ?? []), spec.LeafNodeText].filter(
        (t) => t !== '',
      );
      const labels = new Set<string>(suiteLabels);
      for (const level of spec.ContainerHierarchyLabels ?? [])
        for (const l of level ?? []) labels.add(l);
      for (const l of spec.LeafNodeLabels ?? []) labels.add(l);
      out.push({ id: texts.join(' '), labels: [...labels], suite: report.SuiteDescription ?? '' });
    });
  });
  return out;
}

function fromList(doc: unknown, display: string): InventoryTest[] {
  const items =
    doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'tests' in doc
      ? (doc as { tests: unknown }).tests
      : doc;
  if (!Array.isArray(items)) {
    throw new UserError(
      `${display}: not an inventory; allowed: a Ginkgo JSON report (--dry-run --json-report), JUnit XML, or a list of {id, labels}`,
    );
  }
  return items.map((item, i) => {
    if (typeof item === 'string') return { id: item, labels: [] };
    const entry = item as { id?: unknown; labels?: unknown };
    if (
      item === null ||
      typeof item !== 'object' ||
      typeof entry.id !== 'string' ||
      entry.id === ''
    ) {
      throw new UserError(
        `${display}: entry ${i + 1} has no "id" string; allowed: {id: "...", labels: [...]} or a plain id`,
      );
    }
    const labels = entry.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
      throw new UserError(
        `${display}: entry ${i + 1} (${quote(entry.id)}): "labels" must be a list of strings`,
      );
    }
    return { id: entry.id, labels: labels as string[] };
  });
}

async function fromJUnit(found: FoundFile): Promise<InventoryTest[]> {
  const out: InventoryTest[] = [];
  await readJUnitFile(
    found.file,
    {
      onCase: (tc) => {
        // Ginkgo's JUnit reporter writes the suite description as the classname.
        const ginkgo = parseGinkgoJUnitName(tc.name);
        out.push(ginkgo ? { ...ginkgo, suite: tc.classname } : { id: tc.name, labels: [] });
      },
    },
    found.display,
  );
  return out;
}

export async function readInventoryFile(
  found: FoundFile,
): Promise<{ tests: InventoryTest[]; format: InventoryFormat }> {
  const lower = found.file.toLowerCase();
  if (lower.endsWith('.xml')) return { tests: await fromJUnit(found), format: 'junit' };
  let text: string;
  try {
    text = readFileSync(found.file, 'utf8');
  } catch (err) {
    throw new UserError(`${found.display}: cannot be read: ${(err as Error).message}`);
  }
  if (text.trimStart().startsWith('<')) return { tests: await fromJUnit(found), format: 'junit' };
  let doc: unknown;
  try {
    doc = lower.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UserError(
      `${found.display}: not valid ${lower.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (isGinkgoReport(doc)) return { tests: fromGinkgo(doc, found.display), format: 'ginkgo' };
  return { tests: fromList(doc, found.display), format: 'list' };
}

/** Read every file; an id seen twice (a spec in two reports) is one test with both label sets. */
export async function readInventory(files: readonly FoundFile[]): Promise<Inventory> {
  const byId = new Map<string, InventoryTest>();
  const formats = new Set<InventoryFormat>();
  for (const found of files) {
    const { tests, format } = await readInventoryFile(found);
    formats.add(format);
    for (const t of tests) {
      const seen = byId.get(t.id);
      if (!seen) byId.set(t.id, { ...t, labels: [...t.labels] });
      else for (const l of t.labels) if (!seen.labels.includes(l)) seen.labels.push(l);
    }
  }
  return { tests: [...byId.values()], formats: [...formats], files: files.map((f) => f.display) };
}
