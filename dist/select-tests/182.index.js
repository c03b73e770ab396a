export const id = 182;
export const ids = [182];
export const modules = {

/***/ 1182:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   readJUnitFile: () => (/* binding */ readJUnitFile)
/* harmony export */ });
/* unused harmony exports detach, TEXT_CAP, worst, sanitizeXmlChunk, readJUnit, readJUnitString */
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
function num(value) {
    if (value === undefined || value.trim() === '')
        return 0;
    const n = Number(value.replace(/,/g, ''));
    return Number.isFinite(n) ? n : 0;
}
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
const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun', 'test-results']);
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
        parser.on('text', (t) => this.text(t));
        parser.on('cdata', (t) => this.text(t));
        parser.on('closetag', (tag) => this.closeTag(tag));
    }
    /** The first error wins: after it the parser only guesses. */
    fail(what) {
        this.failure ??= new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${this.report}:${this.parser.line}: ${what}`);
    }
    openTag(tag) {
        const attrs = tag.attributes;
        if (!this.stats.root)
            this.checkRoot(tag.name);
        if (tag.name === 'testsuite')
            return this.openSuite(attrs);
        if (tag.name === 'testcase')
            return this.openCase(attrs);
        if (tag.name === 'properties') {
            this.inProperties++;
            return;
        }
        const open = this.open;
        if (tag.name === 'property' && this.inProperties && open) {
            if (attrs.name)
                open.tc.properties[attrs.name] = attrs.value ?? '';
            return;
        }
        if (open)
            this.openInCase(open, tag.name, attrs);
    }
    checkRoot(name) {
        this.stats.root = name;
        if (!JUNIT_ROOTS.has(name))
            this.fail(`root element <${name}> is not JUnit; allowed: <testsuites> or <testsuite>`);
    }
    openSuite(attrs) {
        const line = this.parser.line;
        this.suiteStack.push({ name: attrs.name ?? '', attributes: attrs, cases: 0, line });
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
                classname: attrs.classname ?? attrs.class ?? '',
                name: attrs.name ?? '',
                time: num(attrs.time),
                outcome: 'passed',
                results: [],
                flakyRuns: [],
                reruns: [],
                attributes: attrs,
                properties: {},
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
            open.current = { element: name, result };
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
        open.text = [];
        open.textLen = 0;
    }
    closeCase(open) {
        this.open = undefined;
        // After an error the parser guesses; a case it closed by guessing was not written so.
        if (this.failure)
            return;
        this.stats.cases++;
        this.handlers.onCase(open.tc);
    }
    closeSuite() {
        const s = this.suiteStack.pop();
        this.suitePath = undefined;
        if (!s || s.cases !== 0 || !this.handlers.onDeclaredSuite || this.failure)
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
