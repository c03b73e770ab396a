import { compileGoRegexp, GoRegexpError, type GoRegexp } from './re2.js';

/**
 * Ginkgo v2's label-filter language with Ginkgo's semantics and Ginkgo's errors: `&&`, `||`,
 * `,` (or), `!`, parentheses, `/regex/` (RE2), labels matched case-insensitively after
 * trimming, and `key: operation argument` set operations on `key:value` labels. The parser
 * follows Ginkgo's own operator-precedence tree so that every input Ginkgo accepts or rejects
 * is accepted or rejected here, with the same position and message.
 */
export type LabelExpr =
  | { kind: 'all' }
  | { kind: 'label'; label: string }
  | { kind: 'regex'; source: string; regex: GoRegexp }
  | { kind: 'set'; key: string; op: SetOperation; values: string[] }
  | { kind: 'not'; expr: LabelExpr }
  | { kind: 'and' | 'or'; left: LabelExpr; right: LabelExpr };

export type SetOperation = 'isEmpty' | 'containsAny' | 'containsAll' | 'consistsOf' | 'isSubsetOf';

const SET_OPERATIONS: Record<string, SetOperation> = {
  containsany: 'containsAny',
  containsall: 'containsAll',
  consistsof: 'consistsOf',
  issubsetof: 'isSubsetOf',
  isempty: 'isEmpty',
};

/** A syntax error at a position (in characters, -1 for "at the end") with Ginkgo's message. */
export class LabelFilterError extends Error {
  constructor(
    readonly input: string,
    readonly location: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'LabelFilterError';
  }

  /** The filter with the offending character marked, for one-line messages. */
  pointer(): string {
    const chars = Array.from(this.input);
    if (this.location < 0 || this.location >= chars.length) return this.input;
    return (
      chars.slice(0, this.location).join('') +
      '>>' +
      chars[this.location] +
      '<<' +
      chars.slice(this.location + 1).join('')
    );
  }
}

enum T {
  Invalid,
  Root,
  OpenGroup,
  CloseGroup,
  Not,
  And,
  Or,
  Regexp,
  Label,
  SetKey,
  SetOperation,
  SetArgument,
  EOF,
}

function precedence(t: T): number {
  switch (t) {
    case T.Root:
    case T.OpenGroup:
      return 0;
    case T.Or:
      return 1;
    case T.And:
      return 2;
    case T.Not:
      return 3;
    case T.SetOperation:
      return 4;
    default:
      return -1;
  }
}

function tokenName(t: T): string {
  return (
    (
      {
        [T.Root]: 'ROOT',
        [T.OpenGroup]: '(',
        [T.CloseGroup]: ')',
        [T.Not]: '!',
        [T.And]: '&&',
        [T.Or]: '||',
        [T.Regexp]: '/regexp/',
        [T.Label]: 'label',
        [T.SetKey]: 'set_key',
        [T.SetOperation]: 'set_operation',
        [T.SetArgument]: 'set_argument',
        [T.EOF]: 'EOF',
      } as Record<number, string>
    )[t] ?? 'INVALID'
  );
}

interface Node {
  token: T;
  location: number;
  value: string;
  parent?: Node;
  left?: Node;
  right?: Node;
}

function setRight(parent: Node, node: Node) {
  parent.right = node;
  node.parent = parent;
}

function setLeft(parent: Node, node: Node) {
  parent.left = node;
  node.parent = parent;
}

// Long because it follows Ginkgo's lexer (label_filter.go) branch for branch, so that the two
// can be read side by side and every message and position stays Ginkgo's.
function tokenizer(input: string) {
  const r = Array.from(input);
  let i = 0;
  let lastToken = T.Invalid;
  let lastValue = '';
  const fail = (at: number, reason: string): never => {
    throw new LabelFilterError(input, at, reason);
  };
  const peekIs = (c: string) => i + 1 < r.length && r[i + 1] === c;
  const consumeUntil = (cutset: string): [string, number] => {
    let j = i;
    while (j < r.length && !cutset.includes(r[j])) j++;
    return [r.slice(i, j).join(''), j - i];
  };

  // Long because it is Ginkgo's `next()`, one branch per token kind in Ginkgo's order.
  const next = (): Node => {
    while (i < r.length && r[i] === ' ') i++;
    if (i >= r.length) return { token: T.EOF, location: 0, value: '' };
    const node: Node = { token: T.Invalid, location: i, value: '' };

    if (lastToken === T.SetKey) {
      const [value, n] = consumeUntil(' )');
      if (!SET_OPERATIONS[value.toLowerCase()]) fail(i, `Invalid set operation '${value}'.`);
      i += n;
      node.token = T.SetOperation;
      node.value = value;
      return node;
    }
    if (lastToken === T.SetOperation) {
      let arg = '';
      const origI = i;
      if (r[i] === '{') {
        i++;
        const [value, n] = consumeUntil('}');
        if (i + n >= r.length) fail(i - 1, "Missing closing '}' in set operation argument?");
        i += n + 1;
        arg = value;
      } else {
        const [value, n] = consumeUntil('&|!,()/');
        i += n;
        arg = value.trim();
      }
      const isEmpty = lastValue.toLowerCase() === 'isempty';
      if (isEmpty && arg !== '')
        fail(origI, `isEmpty does not take arguments, was passed '${arg}'.`);
      if (arg === '' && !isEmpty) {
        if (i < r.length && r[i] === '/')
          fail(origI, 'Set operations do not support regular expressions.');
        fail(origI, `Set operation '${lastValue}' requires an argument.`);
      }
      node.token = T.SetArgument;
      node.value = arg;
      return node;
    }

    switch (r[i]) {
      case '&':
        if (!peekIs('&')) fail(i, "Invalid token '&'.  Did you mean '&&'?");
        i += 2;
        node.token = T.And;
        break;
      case '|':
        if (!peekIs('|')) fail(i, "Invalid token '|'.  Did you mean '||'?");
        i += 2;
        node.token = T.Or;
        break;
      case '!':
        i++;
        node.token = T.Not;
        break;
      case ',':
        i++;
        node.token = T.Or;
        break;
      case '(':
        i++;
        node.token = T.OpenGroup;
        break;
      case ')':
        i++;
        node.token = T.CloseGroup;
        break;
      case '/': {
        i++;
        const [value, n] = consumeUntil('/');
        i += n + 1;
        node.token = T.Regexp;
        node.value = value;
        break;
      }
      default: {
        let [value, n] = consumeUntil('&|!,()/:');
        i += n;
        value = value.trim();
        if (i < r.length && r[i] === ':') {
          if (peekIs(' ')) {
            if (value === '') fail(i, 'Missing set key.');
            i++;
            node.token = T.SetKey;
            node.value = value;
            return node;
          }
          let more: string;
          [more, n] = consumeUntil('&|!,()/');
          more = more.trim();
          if (more === ':') fail(i, 'Missing set operation.');
          i += n;
          value += more;
        }
        const lower = value.toLowerCase();
        for (const [op, name] of Object.entries(SET_OPERATIONS)) {
          const idx = lower.indexOf(' ' + op);
          if (idx > 0) {
            fail(
              i - n + idx + 1,
              `Looks like you are using the set operator '${name}' but did not provide a set key.  Did you forget the ':'?`,
            );
          }
        }
        node.token = T.Label;
        node.value = value.trim();
      }
    }
    return node;
  };

  return (): Node => {
    const node = next();
    if (node.token !== T.EOF) {
      lastToken = node.token;
      lastValue = node.value;
    }
    return node;
  };
}

function firstAncestorWithPrecedenceLEQ(node: Node, p: number): Node {
  let n: Node | undefined = node;
  while (n && precedence(n.token) > p) n = n.parent;
  return n as Node;
}

function firstUnmatchedOpen(node: Node): Node | undefined {
  for (let n: Node | undefined = node; n; n = n.parent) if (n.token === T.OpenGroup) return n;
  return undefined;
}

/** Parse a filter; an empty filter matches everything. Throws LabelFilterError. */
export function parseLabelFilter(input: string): LabelExpr {
  if (input === '') return { kind: 'all' };
  const nextToken = tokenizer(input);
  const root: Node = { token: T.Root, location: 0, value: '' };
  let current = root;
  const fail = (at: number, reason: string): never => {
    throw new LabelFilterError(input, at, reason);
  };
  for (;;) {
    const node = nextToken();
    if (node.token === T.EOF) break;
    switch (node.token) {
      case T.Label:
      case T.Regexp:
      case T.SetKey:
        if (current.right)
          fail(node.location, 'Found two adjacent labels.  You need an operator between them.');
        setRight(current, node);
        break;
      case T.Not:
      case T.OpenGroup:
        if (current.right) fail(node.location, `Invalid token '${tokenName(node.token)}'.`);
        setRight(current, node);
        current = node;
        break;
      case T.And:
      case T.Or: {
        if (!current.right) {
          fail(node.location, `Operator '${tokenName(node.token)}' missing left hand operand.`);
        }
        const steal = firstAncestorWithPrecedenceLEQ(current, precedence(node.token));
        setLeft(node, steal.right as Node);
        setRight(steal, node);
        current = node;
        break;
      }
      case T.SetOperation:
        if (!current.right)
          fail(node.location, `Set operation '${node.value}' missing left hand operand.`);
        setLeft(node, current.right as Node);
        setRight(current, node);
        current = node;
        break;
      case T.SetArgument:
        if (current.right)
          fail(node.location, `Unexpected set argument '${tokenName(node.token)}'.`);
        setRight(current, node);
        break;
      case T.CloseGroup: {
        const open = firstUnmatchedOpen(current);
        if (!open) fail(node.location, "Mismatched ')' - could not find matching '('.");
        if (open === current && !current.right) fail(node.location, "Found empty '()' group.");
        (open as Node).token = T.CloseGroup;
        current = (open as Node).parent as Node;
        break;
      }
      default:
        fail(node.location, `Unknown token '${tokenName(node.token)}'.`);
    }
  }
  return construct(root, input);
}

function construct(node: Node, input: string): LabelExpr {
  const fail = (at: number, reason: string): never => {
    throw new LabelFilterError(input, at, reason);
  };
  switch (node.token) {
    case T.OpenGroup:
      return fail(node.location, "Mismatched '(' - could not find matching ')'.");
    case T.Label:
      return { kind: 'label', label: node.value };
    case T.Regexp:
      try {
        return { kind: 'regex', source: node.value, regex: compileGoRegexp(node.value) };
      } catch (err) {
        if (err instanceof GoRegexpError)
          fail(node.location, `RegExp compilation error: ${err.message}`);
        throw err;
      }
    case T.SetOperation: {
      const op = SET_OPERATIONS[node.value.toLowerCase()];
      const key = (node.left as Node).value;
      if (op === 'isEmpty') return { kind: 'set', key, op, values: [] };
      if (!node.right)
        return fail(node.location, `Set operation '${node.value}' is missing an argument.`);
      const values = node.right.value.split(',').map((v) => v.trim().toLowerCase());
      for (const v of values) {
        if (/[&|!,()/]/.test(v)) {
          fail(node.right.location, `Invalid label value '${v}' in set operation argument.`);
        } else if (v === '') {
          fail(node.right.location, 'Empty label value in set operation argument.');
        }
      }
      return { kind: 'set', key, op, values };
    }
  }
  if (!node.right) return fail(-1, 'Unexpected EOF.');
  const right = construct(node.right, input);
  switch (node.token) {
    case T.Root:
    case T.CloseGroup:
      return right;
    case T.Not:
      return { kind: 'not', expr: right };
  }
  if (!node.left) {
    return fail(
      node.location,
      `Malformed tree - '${tokenName(node.token)}' is missing left operand.`,
    );
  }
  const left = construct(node.left, input);
  if (node.token === T.And) return { kind: 'and', left, right };
  if (node.token === T.Or) return { kind: 'or', left, right };
  return fail(node.location, `Invalid token '${tokenName(node.token)}'.`);
}

/** A filter compiled once to test many specs' labels, as Ginkgo's LabelFilter func. */
export type LabelMatcher = (labels: readonly string[]) => boolean;

const matchers = new WeakMap<LabelExpr, LabelMatcher>();

export function matchesLabels(expr: LabelExpr, labels: readonly string[]): boolean {
  return labelMatcher(expr)(labels);
}

/**
 * The filter as one function over a spec's labels, compared as Ginkgo compares them: names
 * lower-cased, `key:value` labels split at the first colon and trimmed. It allocates nothing
 * per spec but the lower-cased labels it must compare, so selecting from 100k specs costs
 * about what parsing their report does.
 */
export function labelMatcher(expr: LabelExpr): LabelMatcher {
  let m = matchers.get(expr);
  if (!m) matchers.set(expr, (m = compile(expr)));
  return m;
}

function compile(e: LabelExpr): LabelMatcher {
  switch (e.kind) {
    case 'all':
      return () => true;
    case 'label': {
      const want = e.label.toLowerCase();
      return (labels) => {
        for (const l of labels) if (sameLabel(l, want)) return true;
        return false;
      };
    }
    case 'regex':
      return (labels) => labels.some((l) => e.regex.test(l));
    case 'not': {
      const inner = compile(e.expr);
      return (labels) => !inner(labels);
    }
    case 'and': {
      const l = compile(e.left);
      const r = compile(e.right);
      return (labels) => l(labels) && r(labels);
    }
    case 'or': {
      const l = compile(e.left);
      const r = compile(e.right);
      return (labels) => l(labels) || r(labels);
    }
    case 'set':
      return setMatcher(e.key, e.op, e.values);
  }
}

/**
 * `label.toLowerCase() === want` (want is lower-case) without making the lower-cased copy
 * for ASCII labels, the common case; any other character takes the full comparison.
 */
function sameLabel(label: string, want: string): boolean {
  if (label === want) return true;
  if (label.length !== want.length) {
    // Lower-casing changes the length only outside ASCII.
    for (let i = 0; i < label.length; i++)
      if (label.charCodeAt(i) > 127) return label.toLowerCase() === want;
    return false;
  }
  for (let i = 0; i < label.length; i++) {
    const a = label.charCodeAt(i);
    const b = want.charCodeAt(i);
    if (a === b || (a >= 65 && a <= 90 && a + 32 === b)) continue;
    if (a > 127 || b > 127) return label.toLowerCase() === want;
    return false;
  }
  return true;
}

/** Ginkgo's labelSetFor: the lower-cased values of the `key:value` labels with this key. */
function valuesFor(key: string, labels: readonly string[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const label of labels) {
    const colon = label.indexOf(':');
    if (colon < 0) continue;
    if (label.slice(0, colon).trim().toLowerCase() !== key) continue;
    out.add(
      label
        .slice(colon + 1)
        .trim()
        .toLowerCase(),
    );
  }
  return out;
}

const NO_VALUES: ReadonlySet<string> = new Set();

function setMatcher(rawKey: string, op: SetOperation, values: readonly string[]): LabelMatcher {
  const key = rawKey.trim().toLowerCase();
  const allowed = new Set(values);
  if (op === 'isSubsetOf') {
    // The common case of a scope ("only these features") needs no set per spec.
    return (labels) => {
      for (const label of labels) {
        const colon = label.indexOf(':');
        if (colon < 0 || !sameKey(label, colon, key)) continue;
        if (
          !allowed.has(
            label
              .slice(colon + 1)
              .trim()
              .toLowerCase(),
          )
        )
          return false;
      }
      return true;
    };
  }
  return (labels) => {
    // Most specs carry no label with a colon: nothing to split then.
    const set = labels.some((l) => l.includes(':')) ? valuesFor(key, labels) : NO_VALUES;
    switch (op) {
      case 'isEmpty':
        return set.size === 0;
      case 'containsAny':
        return values.some((v) => set.has(v));
      case 'containsAll':
        return values.every((v) => set.has(v));
      case 'consistsOf':
        return set.size === values.length && values.every((v) => set.has(v));
    }
  };
}

/** Whether `label`'s part before `colon`, trimmed and lower-cased, is `key`. */
function sameKey(label: string, colon: number, key: string): boolean {
  return sameLabel(label.slice(0, colon).trim(), key);
}

/** Ginkgo's ValidateAndCleanupLabel: the trimmed label, or undefined when Ginkgo rejects it. */
export function cleanLabel(label: string): string | undefined {
  const out = label.trim();
  if (out === '' || /[&|!,()/]/.test(out) || out.startsWith(':')) return undefined;
  const colon = out.indexOf(':');
  if (colon >= 0 && out.slice(colon + 1) === '') return undefined;
  return out;
}
