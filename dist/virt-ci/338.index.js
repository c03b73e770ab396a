export const id = 338;
export const ids = [338,740];
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
    /** Every Warning the API server sent (deprecations, dropped fields), once each, in order. */
    warnings = [];
    agent;
    timeoutMs;
    policy;
    onSecret;
    lastToken;
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
        this.onSecret = opts.onSecret;
        this.lastToken = conn.token;
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
        let res = await this.answer(method, path, body, contentType);
        if (res.status === 401 && this.conn.exec) {
            // The plugin's credential was revoked or expired early: one fresh one, once.
            this.conn.exec.refresh();
            res = await this.answer(method, path, body, contentType);
        }
        let json;
        try {
            json = res.text ? JSON.parse(res.text) : undefined;
        }
        catch {
            json = undefined;
        }
        const warnings = (0,api_error/* parseWarnings */.X)(res.headers.warning);
        for (const w of warnings)
            if (!this.warnings.includes(w))
                this.warnings.push(w);
        if (res.status < 200 || res.status > 299) {
            const st = isStatus(json) ? json : undefined;
            throw new api_error/* ApiError */.h(res.status, st, method, path, warnings);
        }
        if (typeof json !== 'object' || json === null || Array.isArray(json)) {
            throw new errors/* UserError */.yo(`${method} ${path}: the API server answered with no JSON object`);
        }
        return json;
    }
    /** The token to send: an exec plugin's current one (masked when new), else the kubeconfig's. */
    token() {
        if (!this.conn.exec)
            return this.conn.token;
        const t = this.conn.exec.current().token;
        if (t && t !== this.lastToken) {
            this.onSecret?.(t);
            this.lastToken = t;
        }
        return t;
    }
    /** One answer, after the retries of 429, 5xx and connection faults. */
    async answer(method, path, body, contentType) {
        const token = this.token();
        try {
            return await (0,retry/* withRetry */.bD)(async () => {
                const r = await this.once(method, path, token, body, contentType);
                if ((0,retry/* isRetryableStatus */.PS)(r.status)) {
                    throw new retry/* RetryableError */.dw(`${method} ${path}: HTTP ${r.status}`, (0,retry/* parseRetryAfter */.mu)(r.headers['retry-after']));
                }
                return r;
            }, this.policy);
        }
        catch (err) {
            throw new errors/* UserError */.yo(this.unreachable(method, path, err));
        }
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
    once(method, path, token, body, contentType) {
        const url = new URL(this.conn.server + path);
        const headers = {
            accept: 'application/json',
            'user-agent': 'virt-ci-toggle-feature-gate',
        };
        if (token)
            headers.authorization = `Bearer ${token}`;
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
/** A Status object; a plain-text answer (the mux's "404 page not found") is none. */
function isStatus(v) {
    return typeof v === 'object' && v !== null && v.kind === 'Status';
}

// EXTERNAL MODULE: ./actions/toggle-feature-gate/kubeconfig.ts + 1 modules
var kubeconfig = __webpack_require__(1740);
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
        // An exec plugin's renewed token is new: masked before any line that could show it.
        onSecret: (s) => {
            deps.mask(s);
            secrets.push(s);
        },
    });
    return { client, secrets };
}


/***/ }),

/***/ 1740:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  connectionSecrets: () => (/* binding */ connectionSecrets),
  findKubeconfigs: () => (/* binding */ findKubeconfigs),
  fromKubeconfig: () => (/* binding */ fromKubeconfig),
  loadConnection: () => (/* binding */ loadConnection),
  reloadConnection: () => (/* binding */ reloadConnection)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./shared/errors.ts
var errors = __webpack_require__(2635);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: ./shared/exec.ts
var shared_exec = __webpack_require__(3497);
;// CONCATENATED MODULE: ./actions/toggle-feature-gate/exec-credential.ts




const API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
/** A plugin that does not answer within this is stuck (waiting for a browser login...). */
const PLUGIN_TIMEOUT_MS = 120_000;
/** Renew this long before the stated expiry: a request takes time to reach the server. */
const EXPIRY_MARGIN_MS = 10_000;
function isDict(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function execSource(exec, ctx) {
    const where = `${ctx.file}: user ${(0,errors/* quote */.hD)(ctx.user)}: exec plugin`;
    const apiVersion = exec.apiVersion;
    if (typeof apiVersion !== 'string' || !API_VERSIONS.includes(apiVersion)) {
        throw new errors/* UserError */.yo(`${where}: apiVersion ${(0,errors/* quote */.hD)(apiVersion)} is not supported; use ${API_VERSIONS.join(' or ')}`);
    }
    if (typeof exec.command !== 'string' || !exec.command) {
        throw new errors/* UserError */.yo(`${where}: no command`);
    }
    if (exec.interactiveMode === 'Always') {
        throw new errors/* UserError */.yo(`${where} ${(0,errors/* quote */.hD)(exec.command)} needs an interactive terminal (interactiveMode: Always), which a CI step does not have; use a non-interactive login (e.g. a service principal or workload identity)`);
    }
    const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
    const extraEnv = {};
    for (const e of Array.isArray(exec.env) ? exec.env : []) {
        if (isDict(e) && typeof e.name === 'string')
            extraEnv[e.name] = String(e.value ?? '');
    }
    const command = exec.command.includes('/')
        ? external_node_path_default().resolve(external_node_path_default().dirname(ctx.file), exec.command)
        : exec.command;
    const info = {
        apiVersion,
        kind: 'ExecCredential',
        spec: {
            interactive: false,
            ...(exec.provideClusterInfo === true
                ? {
                    cluster: {
                        server: ctx.cluster.server,
                        ...(ctx.cluster.ca
                            ? { 'certificate-authority-data': ctx.cluster.ca.toString('base64') }
                            : {}),
                        ...(ctx.cluster.insecure ? { 'insecure-skip-tls-verify': true } : {}),
                    },
                }
                : {}),
        },
    };
    const hint = typeof exec.installHint === 'string' ? ` (${exec.installHint.trim()})` : '';
    let cached;
    const run = () => {
        let out;
        try {
            out = (0,external_node_child_process_.execFileSync)(command, args, {
                env: { ...ctx.env, ...extraEnv, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
                encoding: 'utf8',
                stdio: ['ignore', 'pipe', 'pipe'],
                timeout: PLUGIN_TIMEOUT_MS,
                maxBuffer: 4 * 1024 * 1024,
            });
        }
        catch (err) {
            const e = err;
            if (e.code === 'ENOENT')
                throw new errors/* UserError */.yo(`${where} ${(0,errors/* quote */.hD)(exec.command)} not found${hint}`);
            const why = e.code === 'ETIMEDOUT'
                ? `no answer within ${PLUGIN_TIMEOUT_MS / 1000} s`
                : `exit ${e.status ?? e.code}`;
            const said = e.stderr ? `: ${(0,shared_exec/* lastLine */.fM)(e.stderr)}` : '';
            throw new errors/* UserError */.yo(`${where} ${(0,errors/* quote */.hD)(exec.command)} failed (${why})${said}`);
        }
        cached = parseCredential(out, apiVersion, `${where} ${(0,errors/* quote */.hD)(exec.command)}`);
        return cached;
    };
    return {
        command: exec.command,
        current: () => cached && (cached.expiresAt === undefined || Date.now() + EXPIRY_MARGIN_MS < cached.expiresAt)
            ? cached
            : run(),
        refresh: run,
    };
}
/** The plugin's stdout, checked as client-go checks it. */
function parseCredential(out, apiVersion, who) {
    let doc;
    try {
        doc = JSON.parse(out);
    }
    catch {
        throw new errors/* UserError */.yo(`${who} did not print an ExecCredential (not JSON)`);
    }
    if (!isDict(doc) || doc.kind !== 'ExecCredential') {
        throw new errors/* UserError */.yo(`${who} did not print an ExecCredential (kind ${(0,errors/* quote */.hD)(isDict(doc) ? doc.kind : undefined)})`);
    }
    if (doc.apiVersion !== apiVersion) {
        throw new errors/* UserError */.yo(`${who} printed an ExecCredential of ${(0,errors/* quote */.hD)(doc.apiVersion)}, but the kubeconfig asks for ${apiVersion}`);
    }
    const st = isDict(doc.status) ? doc.status : {};
    const token = typeof st.token === 'string' && st.token ? st.token : undefined;
    const certData = typeof st.clientCertificateData === 'string' ? st.clientCertificateData : '';
    const keyData = typeof st.clientKeyData === 'string' ? st.clientKeyData : '';
    if (!token && !(certData && keyData)) {
        throw new errors/* UserError */.yo(`${who} printed an ExecCredential with neither a token nor a client certificate and key`);
    }
    if (!token && (certData ? !keyData : keyData)) {
        throw new errors/* UserError */.yo(`${who} printed a client certificate without its key, or a key without its certificate`);
    }
    let expiresAt;
    if (st.expirationTimestamp !== undefined) {
        expiresAt = Date.parse(String(st.expirationTimestamp));
        if (Number.isNaN(expiresAt)) {
            throw new errors/* UserError */.yo(`${who} printed an expirationTimestamp that is not a time: ${(0,errors/* quote */.hD)(st.expirationTimestamp)}`);
        }
    }
    return {
        token,
        ...(certData && keyData ? { cert: Buffer.from(certData), key: Buffer.from(keyData) } : {}),
        expiresAt,
    };
}

;// CONCATENATED MODULE: ./actions/toggle-feature-gate/kubeconfig.ts






const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/**
 * The kubeconfig files in force, as kubectl's loading rules pick them (clientcmd
 * ClientConfigLoadingRules, `kubectl config --help`): an explicit file alone; else every file
 * of $KUBECONFIG (the system's path delimiter; empty entries and files that do not exist are
 * skipped) — and when $KUBECONFIG is set, nothing else; else ~/.kube/config.
 */
function findKubeconfigs(explicit, env, workspace) {
    if (explicit) {
        const file = external_node_path_default().resolve(workspace, explicit);
        if (!(0,external_node_fs_.existsSync)(file)) {
            throw new errors/* UserError */.yo(`input "kubeconfig": ${(0,errors/* quote */.hD)(explicit)} does not exist`);
        }
        return [file];
    }
    const listed = (env.KUBECONFIG ?? '').split((external_node_path_default()).delimiter).filter(Boolean);
    if (listed.length) {
        return [...new Set(listed.map((f) => external_node_path_default().resolve(f)))].filter((f) => (0,external_node_fs_.existsSync)(f));
    }
    const home = external_node_path_default().join(env.HOME || external_node_os_default().homedir(), '.kube', 'config');
    return (0,external_node_fs_.existsSync)(home) ? [home] : [];
}
function loadConnection(explicit, env, workspace, saDir = SA_DIR) {
    const files = findKubeconfigs(explicit, env, workspace);
    if (files.length)
        return fromKubeconfig(files, undefined, env);
    const sa = fromServiceAccount(env, saDir);
    if (sa)
        return sa;
    throw new errors/* UserError */.yo('no Kubernetes connection: give input "kubeconfig", set KUBECONFIG, or run in a cluster (no ~/.kube/config either)');
}
/** The connection a main step used, loaded again: the same files and context, or the pod's account. */
function reloadConnection(ref, env, saDir = SA_DIR) {
    if (ref.kind === 'kubeconfig') {
        const files = ref.files ?? [ref.file];
        const gone = files.find((f) => !(0,external_node_fs_.existsSync)(f));
        if (gone)
            throw new errors/* UserError */.yo(`${gone}: the kubeconfig the main step used no longer exists`);
        return fromKubeconfig(files, ref.context, env);
    }
    const sa = fromServiceAccount(env, saDir);
    if (!sa) {
        throw new errors/* UserError */.yo('the main step used the in-cluster service account, which this step cannot find');
    }
    return sa;
}
function fromServiceAccount(env, saDir) {
    if (!env.KUBERNETES_SERVICE_HOST || !(0,external_node_fs_.existsSync)(external_node_path_default().join(saDir, 'token')))
        return undefined;
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT || '443';
    const caFile = external_node_path_default().join(saDir, 'ca.crt');
    return {
        server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
        source: 'the in-cluster service account',
        ref: { kind: 'in-cluster' },
        token: (0,external_node_fs_.readFileSync)(external_node_path_default().join(saDir, 'token'), 'utf8').trim(),
        ca: (0,external_node_fs_.existsSync)(caFile) ? (0,external_node_fs_.readFileSync)(caFile) : undefined,
        insecureSkipTlsVerify: false,
    };
}
function parseFile(file) {
    try {
        const doc = (0,dist.parse)((0,external_node_fs_.readFileSync)(file, 'utf8'));
        return doc && typeof doc === 'object' ? doc : {};
    }
    catch (err) {
        throw new errors/* UserError */.yo(`${file}: not a valid kubeconfig: ${err.message.split('\n')[0]}`);
    }
}
/**
 * kubectl's merge (clientcmd loader, `kubectl config --help`): the first file to set a key
 * wins and later files never change it — current-context from the first file that sets one,
 * and a cluster, user or context named in two files is the first file's, whole (even its
 * fields the later one has and the first lacks are not taken). Relative paths in an entry are
 * relative to the file that holds it.
 */
function merge(files) {
    const m = { files, clusters: new Map(), users: new Map(), contexts: new Map() };
    for (const file of files) {
        const doc = parseFile(file);
        const cur = doc['current-context'];
        if (m.currentContext === undefined && typeof cur === 'string' && cur)
            m.currentContext = cur;
        for (const [list, kind, into] of [
            ['clusters', 'cluster', m.clusters],
            ['users', 'user', m.users],
            ['contexts', 'context', m.contexts],
        ]) {
            const entries = Array.isArray(doc[list]) ? doc[list] : [];
            for (const e of entries) {
                if (!e || typeof e.name !== 'string' || into.has(e.name))
                    continue;
                into.set(e.name, { value: e[kind] ?? {}, file });
            }
        }
    }
    return m;
}
function shownFiles(files) {
    return files.length === 1 ? files[0] : files.join((external_node_path_default()).delimiter);
}
function pick(m, kind, name) {
    const into = kind === 'cluster' ? m.clusters : kind === 'user' ? m.users : m.contexts;
    const entry = into.get(name);
    if (!entry)
        throw new errors/* UserError */.yo(`${shownFiles(m.files)}: ${kind} ${(0,errors/* quote */.hD)(name)} is not defined`);
    return entry;
}
function dataOrFile(d, key, base, file) {
    const data = d[`${key}-data`];
    if (typeof data === 'string' && data)
        return Buffer.from(data, 'base64');
    const ref = d[key];
    if (typeof ref === 'string' && ref) {
        const p = external_node_path_default().resolve(base, ref);
        try {
            return (0,external_node_fs_.readFileSync)(p);
        }
        catch {
            throw new errors/* UserError */.yo(`${file}: ${key} ${(0,errors/* quote */.hD)(ref)} cannot be read`);
        }
    }
    return undefined;
}
function userToken(user) {
    const u = user.value;
    if (typeof u.token === 'string' && u.token)
        return u.token;
    if (typeof u.tokenFile !== 'string')
        return undefined;
    try {
        return (0,external_node_fs_.readFileSync)(external_node_path_default().resolve(external_node_path_default().dirname(user.file), u.tokenFile), 'utf8').trim();
    }
    catch {
        throw new errors/* UserError */.yo(`${user.file}: tokenFile ${(0,errors/* quote */.hD)(u.tokenFile)} cannot be read`);
    }
}
/**
 * The connection of one context of the merged files (`context`: the one to use; the merged
 * current-context when not given). `env` is what an exec plugin runs with.
 */
function fromKubeconfig(files, context, env = {}) {
    const m = merge(Array.isArray(files) ? files : [files]);
    const shown = shownFiles(m.files);
    const ctxName = context ?? m.currentContext;
    if (typeof ctxName !== 'string' || !ctxName) {
        throw new errors/* UserError */.yo(`${shown}: no current-context; set one with kubectl config use-context`);
    }
    const ctx = pick(m, 'context', ctxName).value;
    const clusterName = String(ctx.cluster ?? '');
    const cluster = pick(m, 'cluster', clusterName);
    const user = ctx.user
        ? pick(m, 'user', String(ctx.user))
        : { value: {}, file: cluster.file };
    const server = cluster.value.server;
    if (typeof server !== 'string' || !/^https?:\/\//.test(server)) {
        throw new errors/* UserError */.yo(`${cluster.file}: cluster ${(0,errors/* quote */.hD)(clusterName)} has no http(s) server address`);
    }
    if (user.value['auth-provider']) {
        throw new errors/* UserError */.yo(`${user.file}: user ${(0,errors/* quote */.hD)(ctx.user)} authenticates through an auth-provider plugin, which kubectl itself no longer runs; use an exec credential plugin, a token or a client certificate`);
    }
    const u = user.value;
    const basic = typeof u.username === 'string' && typeof u.password === 'string'
        ? { username: u.username, password: u.password }
        : undefined;
    const conn = {
        server: server.replace(/\/+$/, ''),
        source: shown,
        ref: {
            kind: 'kubeconfig',
            file: m.files[0],
            context: ctxName,
            ...(m.files.length > 1 ? { files: m.files } : {}),
        },
        token: userToken(user),
        basic,
        ca: dataOrFile(cluster.value, 'certificate-authority', external_node_path_default().dirname(cluster.file), cluster.file),
        cert: dataOrFile(u, 'client-certificate', external_node_path_default().dirname(user.file), user.file),
        key: dataOrFile(u, 'client-key', external_node_path_default().dirname(user.file), user.file),
        insecureSkipTlsVerify: cluster.value['insecure-skip-tls-verify'] === true,
    };
    if (kubeconfig_isDict(u.exec)) {
        conn.exec = execSource(u.exec, {
            file: user.file,
            user: String(ctx.user),
            env,
            cluster: { server: conn.server, ca: conn.ca, insecure: conn.insecureSkipTlsVerify },
        });
        const cred = conn.exec.current();
        conn.token = cred.token ?? conn.token;
        conn.cert = cred.cert ?? conn.cert;
        conn.key = cred.key ?? conn.key;
    }
    return conn;
}
function kubeconfig_isDict(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
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
