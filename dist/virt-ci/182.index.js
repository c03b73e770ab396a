export const id = 182;
export const ids = [182];
export const modules = {

/***/ 1182:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   readJUnitFile: () => (/* binding */ readJUnitFile)
/* harmony export */ });
/* unused harmony exports detach, TEXT_CAP, worst, num, NAME_CAP, sanitizeXmlChunk, readJUnit, readJUnitString */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var saxes__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9800);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2635);



function detach(text) {
    if (text === undefined || text.length < 13)
        return text;
    return Buffer.from(text, 'utf8').toString('utf8');
}
/** Longest text kept for a message, details or system-out (characters). */
const TEXT_CAP = 64 * 1024;
const RESULT_ELEMENTS = {
    failure: { outcome: 'failed', kind: 'result' },
    error: { outcome: 'error', kind: 'result' },
    skipped: { outcome: 'skipped', kind: 'result' },
    // Some producers (older nose, some xunit writers) use <skip> or <ignored>.
    skip: { outcome: 'skipped', kind: 'result' },
    ignored: { outcome: 'skipped', kind: 'result' },
    flakyFailure: { outcome: 'failed', kind: 'flaky' },
    flakyError: { outcome: 'error', kind: 'flaky' },
    rerunFailure: { outcome: 'failed', kind: 'rerun' },
    rerunError: { outcome: 'error', kind: 'rerun' },
};
const RANK = { passed: 0, skipped: 1, failed: 2, error: 3 };
function worst(a, b) {
    return RANK[a] >= RANK[b] ? a : b;
}
/**
 * A number as producers write it: "1,234.5" (thousands, Surefire in some locales) and "0,5"
 * (a decimal comma) both occur; a lone comma without a point is a decimal comma.
 */
function num(value) {
    if (value === undefined)
        return 0;
    // Number() takes "", " 1.5 " and "1e3" as they are: the common case costs one call.
    const n = Number(value);
    if (Number.isFinite(n))
        return n;
    if (!value.includes(','))
        return 0;
    const v = value.trim();
    const text = v.includes('.')
        ? v.replace(/,/g, '')
        : /^-?\d*,\d+$/.test(v)
            ? v.replace(',', '.')
            : '';
    const m = Number(text);
    return text && Number.isFinite(m) ? m : 0;
}
/** Longest test, class or suite name kept (characters); a longer one is cut with a mark. */
const NAME_CAP = 1000;
function capName(text) {
    return text.length > NAME_CAP ? `${text.slice(0, NAME_CAP)}…` : text;
}
// Statuses that say a case never ran: GoogleTest's notrun (DISABLED_ tests, result
// "suppressed"), mikepenz/EnricoMi fixtures' disabled, Ginkgo's pending and skipped.
const NOT_RUN = new Set(['disabled', 'notrun', 'skipped', 'pending', 'ignored']);
function cap(text) {
    return text.length > TEXT_CAP ? `${text.slice(0, TEXT_CAP)}\n…(trimmed)` : text;
}
// XML 1.0 forbids these characters even as references; producers write them anyway.
const FORBIDDEN = 
// eslint-disable-next-line no-control-regex
/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const FORBIDDEN_REF = /&#(?:x0*([0-8bcef]|1[0-9a-f])|0*([0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));/gi;
// One cheap scan first: most chunks hold nothing to replace, and then nothing is copied.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/;
function sanitizeXmlChunk(text) {
    let out = SUSPECT.test(text) ? text.replace(FORBIDDEN, '\uFFFD') : text;
    if (out.includes('&#'))
        out = out.replace(FORBIDDEN_REF, '\uFFFD');
    return out;
}
const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun']);
const NOT_JUNIT = {
    'test-results': 'is NUnit 2 XML (<test-results>), not JUnit',
    'test-run': 'is NUnit 3 XML (<test-run>), not JUnit',
    assemblies: 'is xUnit.net v2 XML (<assemblies>), not JUnit',
};
/**
 * The state of one report being read: the open suites, the open case and the first error.
 * Saxes calls in as elements open and close; each element kind has its own method.
 */
class ReportReader {
    report;
    handlers;
    parser = new saxes__WEBPACK_IMPORTED_MODULE_1__/* .SaxesParser */ .wT({ position: true });
    stats = { cases: 0, suites: 0, root: '' };
    failure;
    suiteStack = [];
    open;
    // Cases of one suite share one frozen copy of the suite path instead of one each.
    suitePath;
    inProperties = 0;
    rootAttributes = {};
    collecting = false;
    onText = (t) => this.text(t);
    constructor(report, handlers) {
        this.report = report;
        this.handlers = handlers;
        const parser = this.parser;
        parser.on('error', (err) => this.fail(`not valid XML: ${err.message.replace(/^.*?:\d+:\d+: /, '')}`));
        parser.on('doctype', (doctype) => {
            if (/<!ENTITY/i.test(doctype))
                this.fail('declares XML entities; refused (entities are never expanded)');
        });
        parser.on('opentag', (tag) => this.openTag(tag));
        // Text is listened to only inside a result or output element (see collectText): saxes
        // then skips the slicing of every other text, the whitespace between elements above all.
        parser.on('cdata', (t) => this.text(t));
        parser.on('closetag', (tag) => this.closeTag(tag));
    }
    /** The root's own totals, for a report whose suites and cases say nothing. */
    end() {
        const a = this.rootAttributes;
        this.handlers.onRootEnd?.({
            report: this.report,
            root: this.stats.root,
            suites: this.stats.suites,
            cases: this.stats.cases,
            errors: num(a.errors),
            failures: num(a.failures),
            attributes: a,
        });
    }
    /** The first error wins: after it the parser only guesses. */
    fail(what) {
        this.failure ??= new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${this.report}:${this.parser.line}: ${what}`);
    }
    openTag(tag) {
        const attrs = tag.attributes;
        if (!this.stats.root)
            this.checkRoot(tag.name, attrs);
        if (tag.name === 'testsuite')
            return this.openSuite(attrs);
        if (tag.name === 'testcase')
            return this.openCase(attrs);
        if (tag.name === 'properties') {
            this.inProperties++;
            return;
        }
        const open = this.open;
        if (tag.name === 'property' && this.inProperties) {
            const suite = this.suiteStack.at(-1);
            if (!attrs.name)
                return;
            if (open)
                open.tc.properties[attrs.name] = attrs.value ?? '';
            else if (suite)
                suite.properties[attrs.name] = attrs.value ?? '';
            return;
        }
        if (open)
            this.openInCase(open, tag.name, attrs);
    }
    checkRoot(name, attrs) {
        this.stats.root = name;
        this.rootAttributes = attrs;
        if (JUNIT_ROOTS.has(name))
            return;
        const what = NOT_JUNIT[name] ?? `root element <${name}> is not JUnit`;
        this.fail(`${what}; allowed: <testsuites> or <testsuite>`);
    }
    openSuite(attrs) {
        const line = this.parser.line;
        const name = capName(attrs.name ?? '');
        this.suiteStack.push({ name, attributes: attrs, properties: {}, cases: 0, line });
        this.suitePath = undefined;
        this.stats.suites++;
    }
    openCase(attrs) {
        for (const s of this.suiteStack)
            s.cases++;
        this.suitePath ??= Object.freeze(this.suiteStack.map((s) => s.name));
        this.open = {
            tc: {
                report: this.report,
                suites: this.suitePath,
                classname: capName(attrs.classname ?? attrs.class ?? ''),
                name: capName(attrs.name ?? ''),
                time: num(attrs.time),
                outcome: 'passed',
                results: [],
                flakyRuns: [],
                reruns: [],
                attributes: attrs,
                properties: {},
                suiteProperties: this.suiteStack.at(-1)?.properties ?? {},
                reportLine: this.parser.line,
            },
            text: [],
            textLen: 0,
        };
    }
    /** A result element (failure, skipped, flakyError...) or the case's own output. */
    openInCase(open, name, attrs) {
        const kind = RESULT_ELEMENTS[name];
        if (kind) {
            const result = { outcome: kind.outcome, element: name };
            if (attrs.message)
                result.message = cap(attrs.message);
            if (attrs.type)
                result.type = attrs.type;
            if (attrs.file)
                result.file = attrs.file;
            if (attrs.line)
                result.line = attrs.line;
            open.current = { element: name, result };
            this.collectText(true);
            open.text = [];
            open.textLen = 0;
            const tc = open.tc;
            const list = kind.kind === 'result' ? tc.results : kind.kind === 'flaky' ? tc.flakyRuns : tc.reruns;
            list.push(result);
            if (kind.kind === 'result')
                tc.outcome = worst(tc.outcome, kind.outcome);
        }
        else if ((name === 'system-out' || name === 'system-err') && !open.current) {
            open.current = { element: name };
            this.collectText(true);
            open.text = [];
            open.textLen = 0;
        }
    }
    text(t) {
        const open = this.open;
        if (!open?.current || open.textLen > TEXT_CAP)
            return;
        open.text.push(t);
        open.textLen += t.length;
    }
    closeTag(tag) {
        if (tag.name === 'properties') {
            this.inProperties = Math.max(0, this.inProperties - 1);
            return;
        }
        const open = this.open;
        if (open?.current && tag.name === open.current.element)
            return this.closeText(open, tag.name);
        if (tag.name === 'testcase' && open)
            return this.closeCase(open);
        if (tag.name === 'testsuite')
            this.closeSuite();
    }
    closeText(open, name) {
        const text = open.text.join('');
        const trimmed = text.trim();
        if (open.current?.result) {
            if (trimmed)
                open.current.result.details = cap(trimmed);
        }
        else if (trimmed) {
            if (name === 'system-out')
                open.tc.systemOut = cap(text);
            else
                open.tc.systemErr = cap(text);
        }
        open.current = undefined;
        this.collectText(false);
        open.text = [];
        open.textLen = 0;
    }
    collectText(on) {
        if (on === this.collecting)
            return;
        this.collecting = on;
        if (on)
            this.parser.on('text', this.onText);
        else
            this.parser.off('text');
    }
    closeCase(open) {
        this.open = undefined;
        this.collectText(false);
        // After an error the parser guesses; a case it closed by guessing was not written so.
        if (this.failure)
            return;
        notRun(open.tc);
        this.stats.cases++;
        this.handlers.onCase(open.tc);
    }
    closeSuite() {
        const s = this.suiteStack.pop();
        this.suitePath = undefined;
        if (!s || this.failure)
            return;
        this.handlers.onSuiteEnd?.({
            report: this.report,
            suites: this.suiteStack.map((x) => x.name),
            name: s.name,
            cases: s.cases,
            attributes: s.attributes,
            properties: s.properties,
        });
        if (s.cases !== 0 || !this.handlers.onDeclaredSuite)
            return;
        const a = s.attributes;
        this.handlers.onDeclaredSuite({
            report: this.report,
            suites: this.suiteStack.map((x) => x.name),
            name: s.name,
            tests: num(a.tests),
            failures: num(a.failures),
            errors: num(a.errors),
            skipped: num(a.skipped ?? a.skips ?? a.disabled),
            time: num(a.time),
            attributes: a,
        });
    }
}
/**
 * A case whose status says it never ran (and that holds no result element saying otherwise)
 * is skipped, not passed.
 */
function notRun(tc) {
    if (tc.results.length > 0)
        return;
    const status = (tc.attributes.status ?? '').toLowerCase();
    const result = (tc.attributes.result ?? '').toLowerCase();
    if (!NOT_RUN.has(status) && result !== 'suppressed' && result !== 'skipped')
        return;
    tc.results.push({ outcome: 'skipped', element: `status="${tc.attributes.status}"` });
    tc.outcome = 'skipped';
}
/** Feed the chunks to the parser, sanitized, and fail on the first error or an empty report. */
async function feed(reader, chunks, report) {
    const { parser } = reader;
    let tail = '';
    let blank = true;
    for await (const chunk of chunks) {
        if (blank && /\S/.test(chunk))
            blank = false;
        // Keep a possibly cut character reference for the next chunk so it is sanitized whole.
        let text = tail + chunk;
        const amp = text.lastIndexOf('&');
        if (amp >= 0 && amp > text.length - 12 && !text.slice(amp).includes(';')) {
            tail = text.slice(amp);
            text = text.slice(0, amp);
        }
        else
            tail = '';
        parser.write(sanitizeXmlChunk(text));
        if (reader.failure)
            throw reader.failure;
    }
    parser.write(sanitizeXmlChunk(tail));
    const empty = `${report}:1: is empty; a JUnit report needs a <testsuites> or <testsuite> root`;
    if (blank)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(empty);
    parser.close();
    if (reader.failure)
        throw reader.failure;
    if (!reader.stats.root)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(empty);
    reader.end();
}
/** Read JUnit XML from chunks of text (a file stream or a string). */
async function readJUnit(chunks, report, handlers) {
    const reader = new ReportReader(report, handlers);
    await feed(reader, chunks, report);
    return reader.stats;
}
/** Read a JUnit file as a stream. `display` is the name used in messages (workspace-relative). */
async function readJUnitFile(file, handlers, display = file) {
    let stream;
    try {
        stream = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.createReadStream)(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
        return await readJUnit(stream, display, handlers);
    }
    catch (err) {
        if (err.code === 'ENOENT')
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${display}: does not exist`);
        if (err.code === 'EISDIR')
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${display}: is a directory, not a JUnit file`);
        if (err.code === 'ELOOP')
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${display}: is a loop of symbolic links, not a JUnit file`);
        throw err;
    }
    finally {
        stream?.destroy();
    }
}
/** Read all test cases of a string (small reports and tests). */
async function readJUnitString(xml, report = 'report.xml') {
    const cases = [];
    const declared = [];
    await readJUnit([xml], report, {
        onCase: (c) => cases.push(c),
        onDeclaredSuite: (s) => declared.push(s),
    });
    return { cases, declared };
}


/***/ })

};
