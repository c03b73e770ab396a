export const id = 338;
export const ids = [338,261];
export const modules = {

/***/ 4338:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  connect: () => (/* binding */ connect)
});

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
// EXTERNAL MODULE: ./shared/errors.ts
var errors = __webpack_require__(2635);
// EXTERNAL MODULE: ./shared/retry.ts
var retry = __webpack_require__(2372);
// EXTERNAL MODULE: ./actions/toggle-feature-gate/api-error.ts
var api_error = __webpack_require__(2567);
;// CONCATENATED MODULE: ./actions/toggle-feature-gate/kube-client.ts





/**
 * A thin Kubernetes REST client: GET and JSON patch on one object, over Node's http(s), with
 * the suite's retry policy for 429/5xx/connection faults and a per-request timeout. Errors
 * from the server keep its Status body (reason, message) so callers can tell a conflict from
 * a refusal.
 */
/** Node's codes for a server certificate that the configured CA does not vouch for. */
const TLS_CODES = new Set([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'CERT_HAS_EXPIRED',
]);
class KubeClient {
    conn;
    agent;
    timeoutMs;
    policy;
    constructor(conn, opts = {}) {
        this.conn = conn;
        const secure = conn.server.startsWith('https:');
        this.agent = secure
            ? new (external_node_https_default()).Agent({
                keepAlive: true,
                ca: conn.ca,
                cert: conn.cert,
                key: conn.key,
                rejectUnauthorized: !conn.insecureSkipTlsVerify,
            })
            : new (external_node_http_default()).Agent({ keepAlive: true });
        this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
        const policy = opts.policy ?? (0,retry/* defaultPolicy */.G4)();
        this.policy = {
            ...policy,
            onRetry: (info) => {
                policy.onRetry?.(info);
                opts.onRetry?.(`retry ${info.attempt} in ${Math.round(info.delayMs)} ms after: ${info.reason}`);
            },
        };
    }
    close() {
        this.agent.destroy();
    }
    async get(path) {
        return this.call('GET', path);
    }
    async jsonPatch(path, ops) {
        return this.call('PATCH', path, JSON.stringify(ops), 'application/json-patch+json');
    }
    async call(method, path, body, contentType) {
        let res;
        try {
            res = await (0,retry/* withRetry */.bD)(async () => {
                const r = await this.once(method, path, body, contentType);
                if ((0,retry/* isRetryableStatus */.PS)(r.status)) {
                    throw new retry/* RetryableError */.dw(`${method} ${path}: HTTP ${r.status}`, (0,retry/* parseRetryAfter */.mu)(r.headers['retry-after']));
                }
                return r;
            }, this.policy);
        }
        catch (err) {
            throw new errors/* UserError */.yo(this.unreachable(method, path, err));
        }
        let json;
        try {
            json = res.text ? JSON.parse(res.text) : undefined;
        }
        catch {
            json = undefined;
        }
        if (res.status < 200 || res.status > 299) {
            throw new api_error/* ApiError */.h(res.status, json, method, path);
        }
        if (typeof json !== 'object' || json === null || Array.isArray(json)) {
            throw new errors/* UserError */.yo(`${method} ${path}: the API server answered with no JSON object`);
        }
        return json;
    }
    /**
     * A request that got no usable answer (refused, TLS, timeouts, 5xx after the retries), as one
     * line naming the server and where its address came from.
     */
    unreachable(method, path, err) {
        const code = err.code;
        const tls = typeof code === 'string' && TLS_CODES.has(code);
        // Node adds advice about its own flags to TLS errors; a step user cannot act on it.
        const message = tls ? (0,errors/* errorMessage */.gJ)(err).split(';')[0] : (0,errors/* errorMessage */.gJ)(err);
        const what = err instanceof retry/* RetryableError */.dw
            ? `${message} after ${this.policy.delaysMs.length} retries`
            : `${method} ${path} failed: ${message}`;
        const hint = tls
            ? "; give the cluster's certificate-authority (or -data) in the kubeconfig"
            : '';
        return `API server ${this.conn.server} (from ${this.conn.source}): ${what}${hint}`;
    }
    once(method, path, body, contentType) {
        const url = new URL(this.conn.server + path);
        const headers = {
            accept: 'application/json',
            'user-agent': 'virt-ci-toggle-feature-gate',
        };
        if (this.conn.token)
            headers.authorization = `Bearer ${this.conn.token}`;
        else if (this.conn.basic) {
            const { username, password } = this.conn.basic;
            headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
        }
        if (body !== undefined) {
            headers['content-type'] = contentType ?? 'application/json';
            headers['content-length'] = String(Buffer.byteLength(body));
        }
        const mod = url.protocol === 'https:' ? (external_node_https_default()) : (external_node_http_default());
        return new Promise((resolve, reject) => {
            const req = mod.request(url, { method, headers, agent: this.agent }, (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('error', reject);
                res.on('end', () => resolve({
                    status: res.statusCode ?? 0,
                    headers: res.headers,
                    text: Buffer.concat(chunks).toString('utf8'),
                }));
            });
            // A server that accepts and then goes quiet must count as a transient fault, not hang.
            req.setTimeout(this.timeoutMs, () => {
                const err = new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`);
                err.code = 'ETIMEDOUT';
                req.destroy(err);
            });
            req.on('error', reject);
            req.end(body);
        });
    }
}

// EXTERNAL MODULE: ./actions/toggle-feature-gate/kubeconfig.ts
var kubeconfig = __webpack_require__(8261);
;// CONCATENATED MODULE: ./actions/toggle-feature-gate/connect.ts


/**
 * A client for a loaded connection, under the run's retry policy and request timeout. The
 * connection's secrets are masked first, through deps.mask: the retry lines the client prints
 * reach the log before the step's outcome does. They are returned too, for outcome.secrets.
 */
function connect(conn, deps) {
    const secrets = (0,kubeconfig.connectionSecrets)(conn);
    for (const s of secrets)
        deps.mask(s);
    const client = new KubeClient(conn, {
        requestTimeoutMs: deps.requestTimeoutMs,
        policy: deps.retry,
        onRetry: (line) => deps.log.info(line),
    });
    return { client, secrets };
}


/***/ }),

/***/ 8261:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   connectionSecrets: () => (/* binding */ connectionSecrets),
/* harmony export */   findKubeconfig: () => (/* binding */ findKubeconfig),
/* harmony export */   fromKubeconfig: () => (/* binding */ fromKubeconfig),
/* harmony export */   loadConnection: () => (/* binding */ loadConnection),
/* harmony export */   reloadConnection: () => (/* binding */ reloadConnection)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8815);
/* harmony import */ var _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(2635);





const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
function findKubeconfig(explicit, env, workspace) {
    if (explicit) {
        const file = node_path__WEBPACK_IMPORTED_MODULE_2___default().resolve(workspace, explicit);
        if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(file)) {
            throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`input "kubeconfig": ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .quote */ .hD)(explicit)} does not exist`);
        }
        return file;
    }
    // Only the first existing file counts: kubectl would merge them all (not done here yet).
    for (const f of (env.KUBECONFIG ?? '').split((node_path__WEBPACK_IMPORTED_MODULE_2___default().delimiter)).filter(Boolean)) {
        if ((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(f))
            return f;
    }
    const home = node_path__WEBPACK_IMPORTED_MODULE_2___default().join(env.HOME || node_os__WEBPACK_IMPORTED_MODULE_1___default().homedir(), '.kube', 'config');
    return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(home) ? home : undefined;
}
function loadConnection(explicit, env, workspace, saDir = SA_DIR) {
    const file = findKubeconfig(explicit, env, workspace);
    if (file)
        return fromKubeconfig(file);
    const sa = fromServiceAccount(env, saDir);
    if (sa)
        return sa;
    throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo('no Kubernetes connection: give input "kubeconfig", set KUBECONFIG, or run in a cluster (no ~/.kube/config either)');
}
/** The connection a main step used, loaded again: the same file and context, or the pod's account. */
function reloadConnection(ref, env, saDir = SA_DIR) {
    if (ref.kind === 'kubeconfig') {
        if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(ref.file)) {
            throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${ref.file}: the kubeconfig the main step used no longer exists`);
        }
        return fromKubeconfig(ref.file, ref.context);
    }
    const sa = fromServiceAccount(env, saDir);
    if (!sa) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo('the main step used the in-cluster service account, which this step cannot find');
    }
    return sa;
}
function fromServiceAccount(env, saDir) {
    if (!env.KUBERNETES_SERVICE_HOST || !(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(saDir, 'token')))
        return undefined;
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT || '443';
    const caFile = node_path__WEBPACK_IMPORTED_MODULE_2___default().join(saDir, 'ca.crt');
    return {
        server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
        source: 'the in-cluster service account',
        ref: { kind: 'in-cluster' },
        token: (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(saDir, 'token'), 'utf8').trim(),
        ca: (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(caFile) ? (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(caFile) : undefined,
        insecureSkipTlsVerify: false,
    };
}
function pick(list, name, kind, file) {
    const entry = Array.isArray(list)
        ? list.find((e) => e && e.name === name)
        : undefined;
    const value = entry?.[kind];
    if (!value)
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${file}: ${kind} ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .quote */ .hD)(name)} is not defined`);
    return value;
}
function dataOrFile(d, key, base, file) {
    const data = d[`${key}-data`];
    if (typeof data === 'string' && data)
        return Buffer.from(data, 'base64');
    const ref = d[key];
    if (typeof ref === 'string' && ref) {
        const p = node_path__WEBPACK_IMPORTED_MODULE_2___default().resolve(base, ref);
        try {
            return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(p);
        }
        catch {
            throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${file}: ${key} ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .quote */ .hD)(ref)} cannot be read`);
        }
    }
    return undefined;
}
/** `context`: the one to use; the file's current-context when not given. */
function fromKubeconfig(file, context) {
    let doc;
    try {
        doc = ((0,yaml__WEBPACK_IMPORTED_MODULE_3__/* .parse */ .qg)((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(file, 'utf8')) ?? {});
    }
    catch (err) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${file}: not a valid kubeconfig: ${err.message.split('\n')[0]}`);
    }
    const ctxName = context ?? doc['current-context'];
    if (typeof ctxName !== 'string' || !ctxName) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${file}: no current-context; set one with kubectl config use-context`);
    }
    const ctx = pick(doc.contexts, ctxName, 'context', file);
    const cluster = pick(doc.clusters, String(ctx.cluster ?? ''), 'cluster', file);
    const user = ctx.user ? pick(doc.users, String(ctx.user), 'user', file) : {};
    const base = node_path__WEBPACK_IMPORTED_MODULE_2___default().dirname(file);
    const server = cluster.server;
    if (typeof server !== 'string' || !/^https?:\/\//.test(server)) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${file}: cluster ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .quote */ .hD)(ctx.cluster)} has no http(s) server address`);
    }
    if (user.exec || user['auth-provider']) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${file}: user ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .quote */ .hD)(ctx.user)} authenticates through an exec or auth-provider plugin, which this action does not run; use a token or client certificate`);
    }
    let token = typeof user.token === 'string' ? user.token : undefined;
    if (!token && typeof user.tokenFile === 'string') {
        try {
            token = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(node_path__WEBPACK_IMPORTED_MODULE_2___default().resolve(base, user.tokenFile), 'utf8').trim();
        }
        catch {
            throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${file}: tokenFile ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .quote */ .hD)(user.tokenFile)} cannot be read`);
        }
    }
    const basic = typeof user.username === 'string' && typeof user.password === 'string'
        ? { username: user.username, password: user.password }
        : undefined;
    return {
        server: server.replace(/\/+$/, ''),
        source: file,
        ref: { kind: 'kubeconfig', file: node_path__WEBPACK_IMPORTED_MODULE_2___default().resolve(file), context: ctxName },
        token,
        basic,
        ca: dataOrFile(cluster, 'certificate-authority', base, file),
        cert: dataOrFile(user, 'client-certificate', base, file),
        key: dataOrFile(user, 'client-key', base, file),
        insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    };
}
/** The values that must never reach a log. */
function connectionSecrets(c) {
    const out = [];
    if (c.token)
        out.push(c.token);
    if (c.basic)
        out.push(c.basic.password);
    if (c.key)
        out.push(c.key.toString('utf8'), c.key.toString('base64'));
    return out;
}


/***/ })

};
