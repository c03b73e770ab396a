export const id = 15;
export const ids = [15];
export const modules = {

/***/ 4015:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   toggleKindConfig: () => (/* binding */ toggleKindConfig)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8815);
/* harmony import */ var _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2635);
/* harmony import */ var _edits_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1905);
/* harmony import */ var _files_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4827);
/* harmony import */ var _json_patch_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1431);






function toggleKindConfig(file, shown, want, dryRun) {
    if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(file)) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`input "path": kind config ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .quote */ .hD)(shown)} does not exist`);
    }
    const text = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(file, 'utf8');
    const lines = new yaml__WEBPACK_IMPORTED_MODULE_1__.LineCounter();
    const doc = (0,yaml__WEBPACK_IMPORTED_MODULE_1__.parseDocument)(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length) {
        const e = doc.errors[0];
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${shown}:${lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]}`);
    }
    const json = (doc.toJS() ?? {});
    if (json.kind !== 'Cluster' || !String(json.apiVersion ?? '').startsWith('kind.x-k8s.io/')) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${shown}: not a kind cluster config; expected kind: Cluster and apiVersion: kind.x-k8s.io/v1alpha4`);
    }
    const gates = doc.get('featureGates', true);
    if (gates !== undefined && !(0,yaml__WEBPACK_IMPORTED_MODULE_1__.isMap)(gates) && !((0,yaml__WEBPACK_IMPORTED_MODULE_1__.isScalar)(gates) && gates.value === null)) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`${shown}: featureGates must be a map of gate names to true/false`);
    }
    const edit = (0,_edits_js__WEBPACK_IMPORTED_MODULE_3__/* .editMapAt */ .uc)(json, '/featureGates', want, shown);
    const patch = (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_5__/* .diffAt */ .pn)(json, edit.desired, edit.pointers);
    if (patch.length === 0)
        return { edit, patch, changed: false, preview: [] };
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_1__.isMap)(gates))
        doc.set('featureGates', doc.createNode({}));
    for (const [n, state] of Object.entries(edit.after)) {
        if (edit.before[n] !== state)
            doc.setIn(['featureGates', n], state === 'enabled');
    }
    const content = doc.toString();
    const preview = [{ file: shown, content }];
    if (dryRun)
        return { edit, patch, changed: true, preview };
    (0,_files_js__WEBPACK_IMPORTED_MODULE_4__/* .writeVersion */ .gN)(file, content);
    return {
        edit,
        patch,
        changed: true,
        preview,
        restore: { before: [{ file, content: text }], written: [{ file, content }] },
    };
}


/***/ })

};
