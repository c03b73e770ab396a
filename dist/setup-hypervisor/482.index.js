export const id = 482;
export const ids = [482];
export const modules = {

/***/ 482:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   parseProfile: () => (/* binding */ parseProfile),
/* harmony export */   readProfile: () => (/* binding */ readProfile)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8815);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2635);
/* harmony import */ var _profile_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1819);




/**
 * Reading and validating the profile file. Apart from shared/profile.ts (its types and the
 * environment lookup) because it needs the YAML parser, which a step loads only when the file
 * exists. Validation names the file, the line, the field, what is wrong and what is allowed.
 */
class At {
    file;
    lines;
    constructor(file, lines) {
        this.file = file;
        this.lines = lines;
    }
    fail(node, field, what) {
        const range = node && 'range' in node ? node.range : undefined;
        const key = node && 'key' in node ? node.key : undefined;
        const offset = range?.[0] ?? key?.range?.[0];
        const line = offset === undefined ? 1 : this.lines.linePos(offset).line;
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${this.file}:${line}: ${field}: ${what}`);
    }
}
function scalarString(at, node, field, allowed) {
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(node) && node.value === null) {
        at.fail(node, field, `has no value; allowed: ${allowed ?? 'a string ("" for an empty one)'}`);
    }
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(node) || typeof node.value === 'object') {
        at.fail(node, field, 'must be a string');
    }
    return String(node.value);
}
function scalarBool(at, node, field) {
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(node) && typeof node.value === 'boolean')
        return node.value;
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(node) && typeof node.value === 'string') {
        const v = node.value.toLowerCase();
        if (v === 'true' || v === 'false')
            return v === 'true';
    }
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(node) && node.value === null)
        at.fail(node, field, 'has no value; allowed: true | false');
    return at.fail(node, field, `${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .quote */ .hD)((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(node) ? node.value : '(not a scalar)')} is not a boolean; allowed: true | false`);
}
function stringList(at, node, field) {
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isSeq */ .oP)(node))
        return node.items.map((item, i) => scalarString(at, item, `${field}[${i}]`));
    return scalarString(at, node, field)
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean);
}
function oneOf(at, node, field, allowed) {
    const value = scalarString(at, node, field, allowed.join(' | '));
    if (!allowed.includes(value)) {
        at.fail(node, field, `${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .quote */ .hD)(value)} is not allowed; allowed: ${allowed.join(' | ')}`);
    }
    return value;
}
function entries(at, node, field) {
    if (node === null || ((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(node) && node.value === null))
        return [];
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isMap */ .jh)(node))
        at.fail(node, field, 'must be a mapping');
    return node.items.map((pair) => {
        const key = (0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(pair.key)
            ? String(pair.key.value)
            : at.fail(pair, field, 'keys must be plain names');
        return [key, pair.value, pair];
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
function readGates(at, node, field) {
    const gates = { values: {} };
    for (const [key, value, pair] of entries(at, node, field)) {
        const f = `${field}.${key}`;
        switch (key) {
            case 'target':
                gates.target = oneOf(at, value, f, _profile_js__WEBPACK_IMPORTED_MODULE_3__/* .GATE_TARGETS */ .TU);
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
                    at.fail(pair, f, `${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .quote */ .hD)(key)} is neither a gate name (UpperCamelCase, e.g. HyperVL1VH) nor a setting; settings: ${GATE_SETTING_KEYS.join(', ')}`);
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
];
function readTests(at, node, field) {
    const tests = {};
    for (const [key, value, pair] of entries(at, node, field)) {
        const f = `${field}.${key}`;
        if (key === 'timings')
            tests.timings = stringList(at, value, f);
        else if (TEST_KEYS.includes(key)) {
            tests[key] = scalarString(at, value, f);
        }
        else
            at.fail(pair, f, `unknown field; allowed: ${TEST_KEYS.join(', ')}`);
    }
    return tests;
}
const PROMOTE_KEYS = ['source', 'targets', 'referrers', 'overwrite'];
function readPromote(at, node, field) {
    const promote = {};
    for (const [key, value, pair] of entries(at, node, field)) {
        const f = `${field}.${key}`;
        if (key === 'source')
            promote.source = scalarString(at, value, f);
        else if (key === 'targets')
            promote.targets = stringList(at, value, f);
        else if (key === 'referrers' || key === 'overwrite')
            promote[key] = scalarBool(at, value, f);
        else
            at.fail(pair, f, `unknown field; allowed: ${PROMOTE_KEYS.join(', ')}`);
    }
    return promote;
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
    'matrix',
];
function readSettings(at, node, field) {
    const s = {
        env: {},
        gates: { values: {} },
        tests: {},
        promote: {},
        matrix: {},
    };
    for (const [key, value, pair] of entries(at, node, field)) {
        const f = `${field}.${key}`;
        switch (key) {
            case 'description':
                s.description = scalarString(at, value, f);
                break;
            case 'hypervisor':
                s.hypervisor = oneOf(at, value, f, _profile_js__WEBPACK_IMPORTED_MODULE_3__/* .HYPERVISORS */ .Rk);
                break;
            case 'fallback':
                s.fallback = oneOf(at, value, f, ['none', 'emulation']);
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
                    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(v))
                        at.fail(v, `${f}.${name}`, 'must be a string, number or boolean');
                    s.env[name] = v.value === null ? '' : String(v.value);
                }
                break;
            case 'matrix':
                for (const [name, v] of entries(at, value, f)) {
                    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(v) || v.value === null || typeof v.value === 'object') {
                        at.fail(v, `${f}.${name}`, 'must be a string, number or boolean');
                    }
                    s.matrix[name] = v.value;
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
            default:
                at.fail(pair, f, `unknown field; allowed: ${ENV_KEYS.join(', ')}`);
        }
    }
    return s;
}
/** Parse and validate profile text. `file` is only used in messages. */
function parseProfile(text, file) {
    const lines = new yaml__WEBPACK_IMPORTED_MODULE_1__/* .LineCounter */ .HN();
    const doc = (0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .parseDocument */ .Tp)(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const at = new At(file, lines);
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const line = lines.linePos(e.pos[0]).line;
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${file}:${line}: not valid YAML: ${e.message.split('\n')[0]}`);
    }
    const root = doc.contents;
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isMap */ .jh)(root))
        at.fail(root, '(top level)', 'must be a mapping with version, defaults and environments');
    let version;
    let defaults = readSettings(at, null, 'defaults');
    const environments = [];
    for (const [key, value, pair] of entries(at, root, '(top level)')) {
        if (key === 'version') {
            if (!(0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(value) || String(value.value) !== '1') {
                at.fail(value ?? pair, 'version', `${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .quote */ .hD)((0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .isScalar */ .jn)(value) ? value.value : value)} is not supported; allowed: 1`);
            }
            version = 1;
        }
        else if (key === 'defaults') {
            defaults = readSettings(at, value, 'defaults');
        }
        else if (key === 'environments') {
            for (const [name, envNode, envPair] of entries(at, value, 'environments')) {
                if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
                    at.fail(envPair, `environments.${name}`, 'an environment name uses letters, digits, ".", "_" and "-"');
                }
                environments.push({ name, ...readSettings(at, envNode, `environments.${name}`) });
            }
        }
        else {
            at.fail(pair, key, 'unknown field; allowed: version, defaults, environments');
        }
    }
    if (version === undefined)
        return at.fail(root, 'version', 'is missing; allowed: 1');
    return {
        file,
        version,
        defaults,
        environments: environments.map((e) => mergeSettings(defaults, e)),
    };
}
function mergeSettings(base, over) {
    const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
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
        matrix: { ...base.matrix, ...over.matrix },
    };
}
function readProfile(file, displayName = file) {
    let text;
    try {
        text = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(file, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${displayName}: cannot be read: ${err.message}`);
    }
    return parseProfile(text, displayName);
}


/***/ })

};
