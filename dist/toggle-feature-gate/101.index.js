export const id = 101;
export const ids = [101];
export const modules = {

/***/ 8101:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  toggleOverlay: () => (/* binding */ toggleOverlay)
});

// UNUSED EXPORTS: PATCH_FILE

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./shared/errors.ts
var errors = __webpack_require__(2635);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./shared/exec.ts




class ExecError extends errors/* UserError */.yo {
    result;
    constructor(message, result) {
        super(message);
        this.result = result;
        this.name = 'ExecError';
    }
}
function mask(text, secrets = []) {
    let out = text;
    for (const s of secrets)
        if (s && s.length >= 3)
            out = out.split(s).join('***');
    return out;
}
function exec(command, args, opts = {}) {
    const secrets = opts.secrets ?? [];
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_.spawn)(command, args, {
            cwd: opts.cwd,
            env: opts.env ?? process.env,
            stdio: ['pipe', 'pipe', 'pipe'],
            shell: false,
        });
        const out = [];
        const err = [];
        const pending = { stdout: '', stderr: '' };
        const emit = (stream, chunk, flush = false) => {
            if (!opts.onLine)
                return;
            pending[stream] += chunk.toString('utf8');
            const parts = pending[stream].split(/\r?\n/);
            pending[stream] = flush ? '' : (parts.pop() ?? '');
            for (const line of parts)
                if (!flush || line !== '')
                    opts.onLine(mask(line, secrets), stream);
        };
        child.stdout.on('data', (c) => {
            out.push(c);
            emit('stdout', c);
        });
        child.stderr.on('data', (c) => {
            err.push(c);
            emit('stderr', c);
        });
        let timer;
        if (opts.timeoutMs) {
            timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs);
        }
        child.on('error', (e) => {
            if (timer)
                clearTimeout(timer);
            const why = e.code === 'ENOENT' ? 'is not installed or not on PATH' : mask(e.message, secrets);
            reject(new ExecError(`${command}: ${why}`, undefined));
        });
        child.on('close', (code, signal) => {
            if (timer)
                clearTimeout(timer);
            emit('stdout', Buffer.alloc(0), true);
            emit('stderr', Buffer.alloc(0), true);
            const result = {
                code: code ?? -1,
                signal,
                stdout: mask(Buffer.concat(out).toString('utf8'), secrets),
                stderr: mask(Buffer.concat(err).toString('utf8'), secrets),
            };
            if (result.code !== 0 && !opts.allowFailure) {
                const last = lastLine(result.stderr) || lastLine(result.stdout);
                const how = signal ? `was stopped by ${signal}` : `exited with ${result.code}`;
                reject(new ExecError(`${command} ${how}${last ? `: ${last}` : ''}`, result));
                return;
            }
            resolve(result);
        });
        child.stdin.on('error', () => undefined);
        if (opts.input !== undefined)
            child.stdin.end(opts.input);
        else
            child.stdin.end();
    });
}
/** The last non-blank line of a program's output: usually the one that says why it failed. */
function lastLine(text) {
    const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
    return lines.at(-1) ?? '';
}
/** Quote arguments for display or for a shell the user runs (POSIX single quotes). */
function shellQuote(args) {
    return args
        .map((a) => a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ');
}
/**
 * The file `name` would run as: the first executable regular file of that name in the PATH's
 * directories, then in `extraDirs`. Looked up as this user: a directory it may not search
 * hides a program as surely as its absence does.
 */
function findExecutable(name, searchPath = process.env.PATH ?? '', extraDirs = []) {
    for (const dir of [...searchPath.split(path.delimiter), ...extraDirs]) {
        if (!dir)
            continue;
        const file = path.join(dir, name);
        try {
            accessSync(file, constants.X_OK);
            if (statSync(file).isFile())
                return file;
        }
        catch {
            // not here
        }
    }
    return undefined;
}

// EXTERNAL MODULE: ./actions/toggle-feature-gate/edits.ts
var edits = __webpack_require__(1905);
// EXTERNAL MODULE: ./actions/toggle-feature-gate/files.ts + 1 modules
var files = __webpack_require__(4827);
// EXTERNAL MODULE: ./actions/toggle-feature-gate/json-patch.ts
var json_patch = __webpack_require__(1431);
;// CONCATENATED MODULE: ./actions/toggle-feature-gate/overlay.ts








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
        out = (await exec('kubectl', ['kustomize', dir])).stdout;
    }
    catch (err) {
        if (err instanceof ExecError && err.result) {
            throw new errors/* UserError */.yo(`overlay ${(0,errors/* quote */.hD)(shown)}: kubectl kustomize failed: ${kustomizeReason(err)}`);
        }
        throw err;
    }
    return (0,dist/* parseAllDocuments */.hR)(out)
        .map((d) => d.toJS())
        .filter(json_patch/* isObject */.Gv);
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
    const match = kvs.find((d) => (0,json_patch/* getAt */.sM)(d, '/metadata/name') === t.name);
    if (!match) {
        const found = kvs.map((d) => String((0,json_patch/* getAt */.sM)(d, '/metadata/name')));
        throw new errors/* UserError */.yo(`overlay ${(0,errors/* quote */.hD)(t.shown)}: renders no KubeVirt named ${(0,errors/* quote */.hD)(t.name)}; found: ${found.length ? found.join(', ') : 'no KubeVirt at all'}`);
    }
    return match;
}
function kustomizationFile(t) {
    if (!(0,external_node_fs_.existsSync)(t.dir) || !(0,external_node_fs_.statSync)(t.dir).isDirectory()) {
        throw new errors/* UserError */.yo(`input "path": overlay ${(0,errors/* quote */.hD)(t.shown)} does not exist or is not a folder`);
    }
    const f = KUSTOMIZATION_FILES.map((n) => external_node_path_default().join(t.dir, n)).find((p) => (0,external_node_fs_.existsSync)(p));
    if (!f) {
        throw new errors/* UserError */.yo(`input "path": overlay ${(0,errors/* quote */.hD)(t.shown)} has no ${KUSTOMIZATION_FILES.join(' / ')}`);
    }
    return f;
}
function newPatchDocument() {
    const doc = new dist/* Document */.yo({});
    doc.commentBefore =
        ' Feature gates for the KubeVirt CR, kept by virt-ci toggle-feature-gate.\n Change the gates input or the profile rather than this file.';
    return doc;
}
function setPointer(doc, ptr, value) {
    const keys = (0,json_patch/* parsePointer */.vp)(ptr);
    if (value === undefined)
        doc.deleteIn(keys);
    else
        doc.setIn(keys, doc.createNode(value));
}
async function toggleOverlay(t, want, dryRun) {
    const kfile = kustomizationFile(t);
    const kv = findKubeVirt(await render(t.dir, t.shown), t);
    const edit = (0,edits/* editKubeVirt */.lr)(kv, want, `overlay ${(0,errors/* quote */.hD)(t.shown)}`);
    const patch = (0,json_patch/* diffAt */.pn)(kv, edit.desired, edit.pointers);
    if (patch.length === 0)
        return { edit, patch, changed: false, preview: [] };
    const patchFile = external_node_path_default().join(t.dir, PATCH_FILE);
    const before = [(0,files/* readVersion */.$4)(kfile), (0,files/* readVersion */.$4)(patchFile)];
    const pdoc = before[1].content ? (0,dist/* parseDocument */.Tp)(before[1].content) : newPatchDocument();
    pdoc.set('apiVersion', kv.apiVersion ?? 'kubevirt.io/v1');
    pdoc.set('kind', 'KubeVirt');
    pdoc.setIn(['metadata', 'name'], t.name);
    const ns = (0,json_patch/* getAt */.sM)(kv, '/metadata/namespace');
    if (typeof ns === 'string')
        pdoc.setIn(['metadata', 'namespace'], ns);
    for (const p of edit.pointers)
        setPointer(pdoc, p, (0,json_patch/* getAt */.sM)(edit.desired, p));
    const kdoc = (0,dist/* parseDocument */.Tp)(before[0].content ?? '');
    const patches = kdoc.get('patches', true);
    const listed = (0,dist/* isSeq */.oP)(patches) &&
        patches.items.some((i) => (0,dist/* isMap */.jh)(i) && i.get('path') === PATCH_FILE && !i.has('target'));
    if (!listed) {
        if (!(0,dist/* isSeq */.oP)(patches))
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
        .map((w) => ({ file: external_node_path_default().join(t.shown, external_node_path_default().basename(w.file)), content: w.content ?? '' }));
    if (dryRun)
        return { edit, patch, changed: true, preview };
    (0,files/* writeAll */.f4)(written);
    try {
        const check = findKubeVirt(await render(t.dir, t.shown), t);
        const wrong = edit.pointers.filter((p) => !(0,json_patch/* deepEqual */.bD)((0,json_patch/* getAt */.sM)(check, p), (0,json_patch/* getAt */.sM)(edit.desired, p)));
        if (wrong.length) {
            throw new errors/* UserError */.yo(`overlay ${(0,errors/* quote */.hD)(t.shown)}: after writing ${PATCH_FILE}, kubectl kustomize still renders other values at ${wrong.join(', ')} (a later patch overrides them?); the overlay was put back`);
        }
    }
    catch (err) {
        (0,files/* writeAll */.f4)(before);
        throw err;
    }
    return { edit, patch, changed: true, preview, restore: { before, written } };
}


/***/ })

};
