export const id = 565;
export const ids = [565];
export const modules = {

/***/ 4565:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   debFiles: () => (/* binding */ debFiles),
/* harmony export */   dpkgArchitecture: () => (/* binding */ dpkgArchitecture),
/* harmony export */   expandPackages: () => (/* binding */ expandPackages),
/* harmony export */   installPackages: () => (/* binding */ installPackages),
/* harmony export */   libvirtSet: () => (/* binding */ libvirtSet),
/* harmony export */   osRelease: () => (/* binding */ osRelease),
/* harmony export */   parseDebName: () => (/* binding */ parseDebName),
/* harmony export */   pruneDebs: () => (/* binding */ pruneDebs)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2635);
/* harmony import */ var _shared_exec_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3497);
/* harmony import */ var _privileged_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9221);





/**
 * apt packages, installed so that their install scripts run (users, groups, systemd units,
 * udev rules: what qemu and libvirt need), with the downloaded .deb files kept in a directory
 * of their own that the Actions cache can carry to the next run.
 */
/** The usual QEMU/libvirt set that the word `libvirt` stands for, by dpkg architecture. */
function libvirtSet(arch) {
    const qemu = arch === 'arm64' ? 'qemu-system-arm' : 'qemu-system-x86';
    return [qemu, 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients'];
}
// Debian policy: lower case letters, digits, + - . ; optional :arch and =version.
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?$/;
function expandPackages(items, arch) {
    const out = [];
    for (const item of items) {
        const names = item === 'libvirt' ? libvirtSet(arch) : [item];
        for (const name of names) {
            if (!PACKAGE.test(name)) {
                throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`input "packages": ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .quote */ .hD)(name)} is not a Debian package name; allowed: names like qemu-utils (optionally :arch or =version), or the word libvirt`);
            }
            if (!out.includes(name))
                out.push(name);
        }
    }
    return out;
}
function osRelease(file = '/etc/os-release') {
    const fields = {};
    try {
        for (const line of (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(file, 'utf8').split('\n')) {
            const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
            if (m)
                fields[m[1]] = m[3];
        }
    }
    catch {
        // Not every host has it; the key then says "unknown" and still separates hosts that do.
    }
    return { id: fields.ID || 'unknown', versionId: fields.VERSION_ID || 'unknown' };
}
async function dpkgArchitecture(env) {
    const r = await (0,_shared_exec_js__WEBPACK_IMPORTED_MODULE_3__/* .exec */ .m0)('dpkg', ['--print-architecture'], { env });
    return r.stdout.trim();
}
function debFiles(dir) {
    const out = new Map();
    if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(dir))
        return out;
    for (const name of (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readdirSync)(dir)) {
        if (name.endsWith('.deb'))
            out.set(name, (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(node_path__WEBPACK_IMPORTED_MODULE_1___default().join(dir, name)).size);
    }
    return out;
}
const NEEDS_UPDATE = /Unable to locate package|404\s+Not Found|Unable to fetch some archives|has no installation candidate|Failed to fetch/;
async function installPackages(opts) {
    try {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.mkdirSync)(node_path__WEBPACK_IMPORTED_MODULE_1___default().join(opts.archives, 'partial'), { recursive: true });
    }
    catch (err) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`input "packages": cannot create the .deb directory ${opts.archives}: ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .errorMessage */ .gJ)(err)}`);
    }
    const before = debFiles(opts.archives);
    const args = [
        'install',
        '-y',
        '--no-install-recommends',
        '-o',
        `Dir::Cache::Archives=${opts.archives}`,
        // apt-get keeps its downloads by default; say so, since that is what the cache carries.
        '-o',
        'APT::Keep-Downloaded-Packages=true',
        '-o',
        'Dpkg::Use-Pty=0',
        // A fresh runner may still be running unattended-upgrades: wait for dpkg's lock.
        '-o',
        'DPkg::Lock::Timeout=300',
        ...(opts.reinstall ? ['--reinstall'] : []),
        '--',
        ...opts.packages,
    ];
    const env = { ...opts.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => (0,_privileged_js__WEBPACK_IMPORTED_MODULE_4__/* .forInput */ .cp)('packages', 'apt-get install', () => (0,_privileged_js__WEBPACK_IMPORTED_MODULE_4__/* .asRoot */ .tE)('apt-get', args, { env, allowFailure: true, onLine: (l) => opts.onLine?.(l) }));
    let updated = false;
    let r = await install();
    // Package lists on a runner image go stale; refresh them only when apt says so, so that a
    // run served from cached .debs stays off the network.
    if (r.code !== 0 && NEEDS_UPDATE.test(r.stdout + r.stderr)) {
        await (0,_privileged_js__WEBPACK_IMPORTED_MODULE_4__/* .forInput */ .cp)('packages', 'apt-get update', () => (0,_privileged_js__WEBPACK_IMPORTED_MODULE_4__/* .asRoot */ .tE)('apt-get', ['update', '-q'], { env, onLine: (l) => opts.onLine?.(l) }));
        updated = true;
        r = await install();
    }
    if (r.code !== 0) {
        const last = (0,_shared_exec_js__WEBPACK_IMPORTED_MODULE_3__/* .lastLine */ .fM)(r.stderr) || (0,_shared_exec_js__WEBPACK_IMPORTED_MODULE_3__/* .lastLine */ .fM)(r.stdout);
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .UserError */ .yo(`input "packages": apt-get install ${opts.packages.join(' ')} failed (exit ${r.code}): ${last}`);
    }
    if (!(0,_privileged_js__WEBPACK_IMPORTED_MODULE_4__/* .isRoot */ .jX)() && typeof process.getuid === 'function' && typeof process.getgid === 'function') {
        // apt wrote as root; the cache's tar runs as the runner user and must read every file.
        await (0,_privileged_js__WEBPACK_IMPORTED_MODULE_4__/* .asRoot */ .tE)('chown', ['-R', `${process.getuid()}:${process.getgid()}`, '--', opts.archives], {
            env,
        });
    }
    const pruned = await pruneDebs(opts.archives, opts.env);
    const after = debFiles(opts.archives);
    let downloaded = 0;
    let downloadedBytes = 0;
    for (const [name, size] of after) {
        if (!before.has(name)) {
            downloaded++;
            downloadedBytes += size;
        }
    }
    return { downloaded, downloadedBytes, debs: after.size, updated, pruned };
}
/** `name_version_arch.deb`, with the epoch's colon written %3a, as apt names its downloads. */
function parseDebName(file) {
    const m = /^([^_]+)_([^_]+)_([^_]+)\.deb$/.exec(file);
    return m ? { name: m[1], version: decodeURIComponent(m[2]) } : undefined;
}
/**
 * Drop .debs of versions that are no longer the installed ones, so the cached directory does
 * not grow with every update of the archive.
 */
async function pruneDebs(dir, env) {
    const debs = [...debFiles(dir).keys()]
        .map((file) => ({ file, ...parseDebName(file) }))
        .filter((d) => !!d.name);
    if (!debs.length)
        return 0;
    const names = [...new Set(debs.map((d) => d.name))];
    const r = await (0,_shared_exec_js__WEBPACK_IMPORTED_MODULE_3__/* .exec */ .m0)('dpkg-query', ['-W', '-f=${Package} ${Version}\\n', '--', ...names], {
        env,
        allowFailure: true,
    });
    const installed = new Map();
    for (const line of r.stdout.split('\n')) {
        const [name, version] = line.trim().split(' ');
        if (!name || !version)
            continue;
        installed.set(name, (installed.get(name) ?? new Set()).add(version));
    }
    let pruned = 0;
    for (const d of debs) {
        const versions = installed.get(d.name);
        if (versions && !versions.has(d.version)) {
            (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.rmSync)(node_path__WEBPACK_IMPORTED_MODULE_1___default().join(dir, d.file), { force: true });
            pruned++;
        }
    }
    return pruned;
}


/***/ })

};
