export const id = 796;
export const ids = [796];
export const modules = {

/***/ 796:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   toggleOverlay: () => (/* binding */ toggleOverlay)
/* harmony export */ });
/* unused harmony export PATCH_FILE */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8815);
/* harmony import */ var _shared_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2635);
/* harmony import */ var _shared_exec_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(3497);
/* harmony import */ var _edits_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1905);
/* harmony import */ var _files_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4827);
/* harmony import */ var _json_patch_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(1431);








/**
 * A kustomize overlay: the gates go into a patch file of their own next to the
 * kustomization, listed under `patches`, so `kubectl kustomize` renders the KubeVirt CR with
 * them. The current state is read from the real rendering (base + every patch), the new
 * lists are written whole (kustomize replaces lists of custom resources), and the result is
 * rendered again to prove it; if that proof fails, both files are put back.
 */
const PATCH_FILE = 'virt-ci-feature-gates.yaml';
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
async function render(dir, shown) {
    let out;
    try {
        out = (await (0,_shared_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .exec */ .m0)('kubectl', ['kustomize', dir])).stdout;
    }
    catch (err) {
        if (err instanceof _shared_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .ExecError */ .cI && err.result) {
            throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UserError */ .yo(`overlay ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(shown)}: kubectl kustomize failed: ${kustomizeReason(err)}`);
        }
        throw err;
    }
    return (0,yaml__WEBPACK_IMPORTED_MODULE_2__.parseAllDocuments)(out)
        .map((d) => d.toJS())
        .filter(_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .isObject */ .Gv);
}
/** kubectl wraps kustomize's reason in a klog line; the reason is what the user needs. */
function kustomizeReason(err) {
    const lines = (err.result?.stderr ?? '').split('\n').filter((l) => l.trim());
    const last = lines.at(-1) ?? err.message;
    const m = /"command failed" err="(.*)"\s*$/.exec(last);
    return m ? m[1].replace(/\\"/g, '"') : last.replace(/^error:\s*/, '');
}
function renamesOf(kdoc) {
    const str = (k) => {
        const v = kdoc.get(k);
        return typeof v === 'string' ? v : '';
    };
    return {
        prefix: str('namePrefix'),
        suffix: str('nameSuffix'),
        namespace: str('namespace') || undefined,
    };
}
/** The name the overlay's patches must use for a resource it renders as `rendered`. */
function nameBefore(rendered, r) {
    let n = rendered;
    if (r.prefix && n.startsWith(r.prefix))
        n = n.slice(r.prefix.length);
    if (r.suffix && n.endsWith(r.suffix))
        n = n.slice(0, n.length - r.suffix.length);
    return n;
}
function findKubeVirt(docs, t, r) {
    const kvs = docs.filter((d) => d.kind === 'KubeVirt');
    const names = [t.name, ...(r ? [`${r.prefix}${t.name}${r.suffix}`] : [])];
    const match = kvs.find((d) => (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(d, '/metadata/name') === names[0]) ??
        kvs.find((d) => names.includes(String((0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(d, '/metadata/name'))));
    if (!match) {
        const found = kvs.map((d) => String((0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(d, '/metadata/name')));
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UserError */ .yo(`overlay ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(t.shown)}: renders no KubeVirt named ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(t.name)}; found: ${found.length ? found.join(', ') : 'no KubeVirt at all'}`);
    }
    return match;
}
function kustomizationFile(t) {
    if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(t.dir) || !(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(t.dir).isDirectory()) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UserError */ .yo(`input "path": overlay ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(t.shown)} does not exist or is not a folder`);
    }
    const f = KUSTOMIZATION_FILES.map((n) => node_path__WEBPACK_IMPORTED_MODULE_1___default().join(t.dir, n)).find((p) => (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(p));
    if (!f) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UserError */ .yo(`input "path": overlay ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(t.shown)} has no ${KUSTOMIZATION_FILES.join(' / ')}`);
    }
    return f;
}
function newPatchDocument() {
    const doc = new yaml__WEBPACK_IMPORTED_MODULE_2__.Document({});
    doc.commentBefore =
        ' Feature gates for the KubeVirt CR, kept by virt-ci toggle-feature-gate.\n Change the gates input or the profile rather than this file.';
    return doc;
}
function setPointer(doc, ptr, value) {
    const keys = (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .parsePointer */ .vp)(ptr);
    if (value === undefined)
        doc.deleteIn(keys);
    else
        doc.setIn(keys, doc.createNode(value));
}
function targetsKubeVirt(entry, name) {
    const target = entry.get('target', true);
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__.isMap)(target))
        return false;
    const kind = target.get('kind');
    const tname = target.get('name');
    return kind === 'KubeVirt' && (tname === undefined || tname === name);
}
/** JSON 6902 patches (legacy patchesJson6902, or `patches` with a target and an op list). */
function json6902Patches(kdoc, dir, name) {
    const out = [];
    for (const list of ['patchesJson6902', 'patches']) {
        const seq = kdoc.get(list, true);
        if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__.isSeq)(seq))
            continue;
        for (const entry of seq.items) {
            if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__.isMap)(entry) || !targetsKubeVirt(entry, name))
                continue;
            const ref = entry.get('path');
            const file = typeof ref === 'string' ? node_path__WEBPACK_IMPORTED_MODULE_1___default().resolve(dir, ref) : undefined;
            const text = file ? (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .readVersion */ .$4)(file).content : entry.get('patch');
            if (typeof text !== 'string')
                continue;
            let ops;
            try {
                ops = (0,yaml__WEBPACK_IMPORTED_MODULE_2__.parse)(text);
            }
            catch {
                continue;
            }
            if (Array.isArray(ops) && ops.every(_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .isObject */ .Gv))
                out.push({ entry, list, file, ops });
        }
    }
    return out;
}
const under = (p, pointers) => typeof p === 'string' && pointers.some((q) => p === q || p.startsWith(`${q}/`));
/**
 * Take the operations on the values this step sets out of the overlay's JSON 6902 patches:
 * kustomize applies those after `patches`, so they would override the new lists. What they
 * did is kept: the new lists are computed from the rendering, which includes their effect.
 * An operation on a parent of those values is left alone (the rendering check reports it).
 */
function editJson6902(kdoc, dir, name, pointers) {
    const files = [];
    for (const p of json6902Patches(kdoc, dir, name)) {
        const kept = p.ops.filter((op) => !under(op.path, pointers) && !(op.op === 'move' && under(op.from, pointers)));
        if (kept.length === p.ops.length)
            continue;
        if (kept.length === 0) {
            const seq = kdoc.get(p.list, true);
            if ((0,yaml__WEBPACK_IMPORTED_MODULE_2__.isSeq)(seq))
                seq.items.splice(seq.items.indexOf(p.entry), 1);
        }
        else if (p.file) {
            files.push({ file: p.file, content: (0,yaml__WEBPACK_IMPORTED_MODULE_2__.stringify)(kept) });
        }
        else {
            p.entry.set('patch', (0,yaml__WEBPACK_IMPORTED_MODULE_2__.stringify)(kept));
        }
    }
    return files;
}
// One pass from the rendering to the written and proven files; the steps share the parsed
// kustomization and the before/written lists, which splitting would pass around whole.
async function toggleOverlay(t, want, dryRun) {
    const kfile = kustomizationFile(t);
    const kBefore = (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .readVersion */ .$4)(kfile);
    const kdoc = (0,yaml__WEBPACK_IMPORTED_MODULE_2__.parseDocument)(kBefore.content ?? '');
    const renames = renamesOf(kdoc);
    const kv = findKubeVirt(await render(t.dir, t.shown), t, renames);
    const edit = (0,_edits_js__WEBPACK_IMPORTED_MODULE_5__/* .editKubeVirt */ .lr)(kv, want, `overlay ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(t.shown)}`);
    const patch = (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .diffAt */ .pn)(kv, edit.desired, edit.pointers);
    if (patch.length === 0)
        return { edit, patch, changed: false, preview: [] };
    const rendered = String((0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(kv, '/metadata/name'));
    const name = nameBefore(rendered, renames);
    const renamed = name !== rendered || renames.namespace !== undefined;
    const patchFile = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(t.dir, PATCH_FILE);
    const pBefore = (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .readVersion */ .$4)(patchFile);
    const pdoc = pBefore.content ? (0,yaml__WEBPACK_IMPORTED_MODULE_2__.parseDocument)(pBefore.content) : newPatchDocument();
    pdoc.set('apiVersion', kv.apiVersion ?? 'kubevirt.io/v1');
    pdoc.set('kind', 'KubeVirt');
    pdoc.setIn(['metadata', 'name'], name);
    const ns = (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(kv, '/metadata/namespace');
    // Under the overlay's own namespace transformer the original namespace is unknown here;
    // the kustomization entry's target selects the CR instead.
    if (typeof ns === 'string' && !renames.namespace)
        pdoc.setIn(['metadata', 'namespace'], ns);
    else
        pdoc.deleteIn(['metadata', 'namespace']);
    for (const p of edit.pointers)
        setPointer(pdoc, p, (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(edit.desired, p));
    const opFiles = editJson6902(kdoc, t.dir, name, edit.pointers);
    listPatch(kdoc, renamed ? { group: 'kubevirt.io', kind: 'KubeVirt', name } : undefined);
    const before = [kBefore, pBefore, ...opFiles.map((f) => (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .readVersion */ .$4)(f.file))];
    const written = [
        { file: kfile, content: kdoc.toString() },
        { file: patchFile, content: pdoc.toString() },
        ...opFiles,
    ];
    const preview = written
        .filter((w, i) => w.content !== before[i].content)
        .map((w) => ({
        file: node_path__WEBPACK_IMPORTED_MODULE_1___default().join(t.shown, node_path__WEBPACK_IMPORTED_MODULE_1___default().relative(t.dir, w.file)),
        content: w.content ?? '',
    }));
    if (dryRun)
        return { edit, patch, changed: true, preview };
    (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .writeAll */ .f4)(written);
    try {
        const check = findKubeVirt(await render(t.dir, t.shown), t, renames);
        const wrong = edit.pointers.filter((p) => !(0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .deepEqual */ .bD)((0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(check, p), (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(edit.desired, p)));
        if (wrong.length) {
            throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UserError */ .yo(`overlay ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(t.shown)}: after writing ${PATCH_FILE}, kubectl kustomize still renders other values at ${wrong.join(', ')} (a later patch overrides them?); the overlay was put back`);
        }
    }
    catch (err) {
        (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .writeAll */ .f4)(before);
        throw err;
    }
    return { edit, patch, changed: true, preview, restore: { before, written } };
}
/**
 * List the gates patch under `patches` once. With a target (needed when the overlay renames
 * or re-namespaces the CR) kustomize applies it to the CR whatever the patch's own metadata.
 */
function listPatch(kdoc, target) {
    const patches = kdoc.get('patches', true);
    const mine = (0,yaml__WEBPACK_IMPORTED_MODULE_2__.isSeq)(patches)
        ? patches.items.find((i) => (0,yaml__WEBPACK_IMPORTED_MODULE_2__.isMap)(i) && i.get('path') === PATCH_FILE)
        : undefined;
    const entry = { path: PATCH_FILE, ...(target ? { target } : {}) };
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_2__.isMap)(mine)) {
        if (target)
            mine.set('target', kdoc.createNode(target));
        else
            mine.delete('target');
        return;
    }
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__.isSeq)(patches))
        kdoc.set('patches', kdoc.createNode([entry]));
    else
        patches.add(kdoc.createNode(entry));
}


/***/ })

};
