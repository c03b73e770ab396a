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
/* harmony import */ var _shared_exec_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(492);
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
function findKubeVirt(docs, t) {
    const kvs = docs.filter((d) => d.kind === 'KubeVirt');
    const match = kvs.find((d) => (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(d, '/metadata/name') === t.name);
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
async function toggleOverlay(t, want, dryRun) {
    const kfile = kustomizationFile(t);
    const kv = findKubeVirt(await render(t.dir, t.shown), t);
    const edit = (0,_edits_js__WEBPACK_IMPORTED_MODULE_5__/* .editKubeVirt */ .lr)(kv, want, `overlay ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .quote */ .hD)(t.shown)}`);
    const patch = (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .diffAt */ .pn)(kv, edit.desired, edit.pointers);
    if (patch.length === 0)
        return { edit, patch, changed: false, preview: [] };
    const patchFile = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(t.dir, PATCH_FILE);
    const before = [(0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .readVersion */ .$4)(kfile), (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .readVersion */ .$4)(patchFile)];
    const pdoc = before[1].content ? (0,yaml__WEBPACK_IMPORTED_MODULE_2__.parseDocument)(before[1].content) : newPatchDocument();
    pdoc.set('apiVersion', kv.apiVersion ?? 'kubevirt.io/v1');
    pdoc.set('kind', 'KubeVirt');
    pdoc.setIn(['metadata', 'name'], t.name);
    const ns = (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(kv, '/metadata/namespace');
    if (typeof ns === 'string')
        pdoc.setIn(['metadata', 'namespace'], ns);
    for (const p of edit.pointers)
        setPointer(pdoc, p, (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_7__/* .getAt */ .sM)(edit.desired, p));
    const kdoc = (0,yaml__WEBPACK_IMPORTED_MODULE_2__.parseDocument)(before[0].content ?? '');
    const patches = kdoc.get('patches', true);
    const listed = (0,yaml__WEBPACK_IMPORTED_MODULE_2__.isSeq)(patches) &&
        patches.items.some((i) => (0,yaml__WEBPACK_IMPORTED_MODULE_2__.isMap)(i) && i.get('path') === PATCH_FILE && !i.has('target'));
    if (!listed) {
        if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__.isSeq)(patches))
            kdoc.set('patches', kdoc.createNode([{ path: PATCH_FILE }]));
        else
            patches.add(kdoc.createNode({ path: PATCH_FILE }));
    }
    const written = [
        { file: kfile, content: kdoc.toString() },
        { file: patchFile, content: pdoc.toString() },
    ];
    const preview = written
        .filter((w, i) => w.content !== before[i].content)
        .map((w) => ({ file: node_path__WEBPACK_IMPORTED_MODULE_1___default().join(t.shown, node_path__WEBPACK_IMPORTED_MODULE_1___default().basename(w.file)), content: w.content ?? '' }));
    if (dryRun)
        return { edit, patch, changed: true, preview };
    (0,_files_js__WEBPACK_IMPORTED_MODULE_6__/* .writeAll */ .f4)(written);
    try {
        const check = findKubeVirt(await render(t.dir, t.shown), t);
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


/***/ })

};
