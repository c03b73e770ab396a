export const id = 358;
export const ids = [358];
export const modules = {

/***/ 6358:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   cacheKey: () => (/* binding */ cacheKey),
/* harmony export */   contentKey: () => (/* binding */ contentKey),
/* harmony export */   restoreDebs: () => (/* binding */ restoreDebs),
/* harmony export */   saveDebs: () => (/* binding */ saveDebs)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _shared_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2635);


/**
 * The downloaded .deb files in the Actions cache. Caching the .debs rather than the installed
 * files keeps dpkg in charge: install scripts run on every job, which qemu and libvirt need
 * (users, groups, units, udev rules). The key is the package set, the OS release and the
 * architecture: a different image or package list gets its own entry.
 */
function cacheKey(packages, os, arch) {
    const digest = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256')
        .update([...packages].sort().join('\n'))
        .digest('hex')
        .slice(0, 16);
    return `virt-ci-apt-${os.id}-${os.versionId}-${arch}-${digest}`;
}
/**
 * The key an archive directory is saved under: the base key plus a digest of the .deb files
 * it holds. When the archive moves on (a security update, a new point release), the content
 * key changes and a new entry is saved; a run restores the newest entry for its base key.
 */
function contentKey(base, debs) {
    const digest = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256')
        .update([...debs].sort().join('\n'))
        .digest('hex')
        .slice(0, 12);
    return `${base}-${digest}`;
}
async function restoreDebs(dir, base) {
    const cache = await __webpack_require__.e(/* import() */ 559).then(__webpack_require__.bind(__webpack_require__, 5940));
    if (!cache.isFeatureAvailable())
        return { note: 'no cache service in this job' };
    try {
        // The base key itself is never saved: the prefix finds the newest content key.
        const matched = await cache.restoreCache([dir], base, [`${base}-`]);
        return matched ? { matched } : { note: 'no entry for this key yet' };
    }
    catch (err) {
        // A cache fault costs a download, never the job.
        return { note: `restore failed: ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(err)}` };
    }
}
async function saveDebs(dir, key) {
    const cache = await __webpack_require__.e(/* import() */ 559).then(__webpack_require__.bind(__webpack_require__, 5940));
    if (!cache.isFeatureAvailable())
        return 'no cache service in this job';
    try {
        const id = await cache.saveCache([dir], key);
        return id > 0 ? `saved as ${key}` : 'not saved (see the log)';
    }
    catch (err) {
        return `not saved: ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(err)}`;
    }
}


/***/ })

};
