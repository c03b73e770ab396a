export const id = 199;
export const ids = [199];
export const modules = {

/***/ 7199:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   cdiConfigBehind: () => (/* binding */ cdiConfigBehind),
/* harmony export */   componentsBehind: () => (/* binding */ componentsBehind)
/* harmony export */ });
/* unused harmony exports KUBEVIRT_COMPONENTS, CDI_CONFIG_PATH */
/* harmony import */ var _api_error_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2567);
/* harmony import */ var _json_patch_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1431);


/**
 * What must hold beyond the object's own status before a change counts as taken: where the
 * object's project itself checks more than conditions.
 *
 * KubeVirt: its test suite (tests/libkubevirt/config, waitForConfigToBePropagated) waits
 * until every virt-controller, virt-api and virt-handler pod reports, on /healthz (https,
 * port 8443), a `config-resource-version` at least the resourceVersion its update returned.
 * The pods are reached through the API server's pod proxy. Where that cannot be reached
 * (RBAC without pods/proxy, a proxy error), it is said once as a warning and the CR's
 * conditions decide alone.
 *
 * CDI: the CDI operator copies the CR's spec.config into the CDIConfig object `config`,
 * which CDI's controllers read; the gates count once CDIConfig lists them.
 */
const KUBEVIRT_COMPONENTS = ['virt-controller', 'virt-api', 'virt-handler'];
function why(err) {
    if (err instanceof _api_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ApiError */ .h)
        return `HTTP ${err.status}${err.body?.message ? `: ${err.body.message}` : ''}`;
    return err instanceof Error ? err.message : String(err);
}
/** Reasons the components of the KubeVirt CR in `namespace` do not run configuration `rv` yet. */
async function componentsBehind(client, namespace, rv, note) {
    const ns = encodeURIComponent(namespace);
    const reasons = [];
    for (const component of KUBEVIRT_COMPONENTS) {
        let list;
        try {
            list = await client.get(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`kubevirt.io=${component}`)}`);
        }
        catch (err) {
            if (!(err instanceof _api_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ApiError */ .h))
                throw err;
            note(`could not list the ${component} pods in ${namespace} to check they run the new configuration (${why(err)}); relied on the KubeVirt CR's conditions`);
            continue;
        }
        const pods = Array.isArray(list.items) ? list.items.filter(_json_patch_js__WEBPACK_IMPORTED_MODULE_1__/* .isObject */ .Gv) : [];
        for (const pod of pods) {
            if ((0,_json_patch_js__WEBPACK_IMPORTED_MODULE_1__/* .getAt */ .sM)(pod, '/metadata/deletionTimestamp') !== undefined)
                continue;
            const name = String((0,_json_patch_js__WEBPACK_IMPORTED_MODULE_1__/* .getAt */ .sM)(pod, '/metadata/name') ?? '');
            const behind = await podBehind(client, ns, name, rv, note);
            if (behind)
                reasons.push(`${component} pod ${name} ${behind}`);
        }
    }
    return reasons;
}
async function podBehind(client, ns, pod, rv, note) {
    let health;
    try {
        health = await client.get(`/api/v1/namespaces/${ns}/pods/https:${encodeURIComponent(pod)}:8443/proxy/healthz`);
    }
    catch (err) {
        if (!(err instanceof _api_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ApiError */ .h))
            throw err;
        note(`could not reach /healthz of pod ${pod} through the API server's pod proxy (${why(err)}); relied on the KubeVirt CR's conditions for it`);
        return undefined;
    }
    const version = health['config-resource-version'];
    if (typeof version !== 'string' || !/^\d+$/.test(version)) {
        return 'reports no config-resource-version yet';
    }
    // resourceVersions are opaque in general; KubeVirt's own check compares them as integers.
    return BigInt(version) < BigInt(rv) ? `runs configuration ${version}, not yet ${rv}` : undefined;
}
const CDI_CONFIG_PATH = '/apis/cdi.kubevirt.io/v1beta1/cdiconfigs/config';
/** Reasons CDIConfig `config` does not hold the asked gates yet. */
async function cdiConfigBehind(client, gates, note) {
    let config;
    try {
        config = await client.get(CDI_CONFIG_PATH);
    }
    catch (err) {
        if (!(err instanceof _api_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ApiError */ .h))
            throw err;
        note(`could not read CDIConfig config to check that CDI's controllers got the gates (${why(err)}); relied on the CDI CR's conditions`);
        return [];
    }
    const listed = (0,_json_patch_js__WEBPACK_IMPORTED_MODULE_1__/* .getAt */ .sM)(config, '/spec/featureGates');
    const have = Array.isArray(listed) ? listed : [];
    const missing = gates.enable.filter((g) => !have.includes(g));
    const extra = gates.disable.filter((g) => have.includes(g));
    return [
        ...(missing.length ? [`CDIConfig config does not list ${missing.join(', ')} yet`] : []),
        ...(extra.length ? [`CDIConfig config still lists ${extra.join(', ')}`] : []),
    ];
}


/***/ })

};
