// Build-time trim of axios (an esbuild plugin): what importing axios runs and loads that notifier's sender never
// uses. Importing axios reads the global FormData and builds its fetch adapter, which makes Node load undici
// (≈ 20 ms); it bundles form-data (with mime-db, 212 KB of the bundle), follow-redirects and an https-proxy-agent
// of its own (each with debug), and loads node:http2 and node:https. notifier posts JSON through the http adapter with maxRedirects: 0, so none of that is used:
// each patch below is checked to apply exactly once, so a new axios that changes what it relies on fails the
// build instead of shipping an untrimmed (or broken) sender. Proxies, CA files and --insecure go through
// notifier's own agents and are untouched.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const AXIOS = /[\\/]node_modules[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/;

/** [what, the exact source text, what replaces it]. */
const PATCHES = [
  ['the fetch adapter built at import', '\ngetFetch();\n', '\n'],
  [
    "the global FormData read at import (Node's lazy getter loads undici)",
    "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
    'const FormDataCtor = undefined;',
  ],
  [
    'node:http2 loaded at import',
    "var http2 = require('http2');",
    "var http2 = new Proxy({}, { get: (_, key) => require('http2')[key] });",
  ],
  // An http:// HipChat needs no TLS; notifier makes its own https agent when the API URL is https://.
  [
    'node:https loaded at import',
    "var https = require('https');",
    "var https = new Proxy({}, { get: (_, key) => require('https')[key] });",
  ],
  // Only form-data boundaries use it; notifier posts JSON.
  [
    'node:crypto loaded at import',
    "var crypto = require('crypto');",
    "var crypto = new Proxy({}, { get: (_, key) => require('crypto')[key] });",
  ],
  // notifier sends with decompress: false, so nothing is ever inflated: zlib loads only if something is, and
  // its flush constants (the same numbers in every zlib, brotli and zstd) are read only then.
  ['node:zlib loaded at import', "var zlib = require('zlib');", "var zlib = new Proxy({}, { get: (_, key) => require('zlib')[key] });"],
  ...['zlibOptions', 'brotliOptions', 'zstdOptions'].map((name) => [
    `zlib's constants read at import (${name})`,
    new RegExp(`const ${name} = \\{\\n  flush: (zlib\\.constants\\.\\w+),\\n  finishFlush: (zlib\\.constants\\.\\w+)\\n\\};`),
    `const ${name} = {\n  get flush() { return $1; },\n  get finishFlush() { return $2; }\n};`,
  ]),
  // Both are read only to decompress (off) and to build the Accept-Encoding axios would send (notifier sends
  // its own, identity): brotli is in every Node notifier runs on (20 and later), zstd is never asked for.
  [
    "brotli's support probed at import",
    'const isBrotliSupported = utils$1.isFunction(zlib.createBrotliDecompress);',
    'const isBrotliSupported = true;',
  ],
  [
    "zstd's support probed at import",
    'const isZstdSupported = utils$1.isFunction(zlib.createZstdDecompress);',
    'const isZstdSupported = false;',
  ],
  // Reading the global \`performance\` loads node:perf_hooks; axios only times the exchange (response.duration).
  [
    'node:perf_hooks loaded by the first request',
    "return typeof performance !== 'undefined' && utils$1.isFunction(performance.now) ? () => performance.now() : Date.now;",
    'return Date.now;',
  ],
  // A hook for follow-redirects, which maxRedirects: 0 never uses (Node's http.request ignores it), made for every
  // request. V8 allocates a function literal stored into a property (`a.b = () => …`) straight in the old
  // generation: dead with its request, it stays there until a full GC, and its context (the whole request: config,
  // headers, ClientRequest, response) stays reachable for every scavenge meanwhile. So each request survived two
  // scavenges and was promoted (≈ 8 KB a notification, 99.5% promotion rate), and the young generation grew to
  // its 32 MB maximum in a bulk send. Still made for an axios that may follow redirects.
  [
    'the redirect hook that kept every request alive in the young generation',
    '      options.beforeRedirects.direct = redirectOptions => {\n',
    '      if (maxRedirects !== 0) options.beforeRedirects.direct = redirectOptions => {\n',
  ],
  // The config that reaches the adapter is dispatchRequest's toSafeFlatObject() copy, which has no prototype: for
  // it getSafeProp() (a walk up the prototype chain, an array of the objects seen each time) is an own read, and
  // the adapter reads some 25 options a request. Kept for a config with a prototype.
  [
    "the adapter's option reads walking a prototype chain that is not there",
    '    const own = key => utils$1.getSafeProp(config, key);\n',
    '    const own = getPrototypeOf(config) === null ? key => utils$1.hasOwnProp(config, key) ? config[key] : undefined : key => utils$1.getSafeProp(config, key);\n',
  ],
  // mergeConfig lists the keys of both configs through a spread of one and then the other into a new object; V8
  // keeps such an object (a clone that then gets more properties) reachable for scavenges until a full GC:
  // ≈ 70 bytes a key, twice a request, survived and promoted. The same keys, in the same order, with no such
  // object; into one without a prototype, so that no setter is run.
  [
    "mergeConfig's spread of both configs",
    '  const keys = ownEnumerableKeys({\n    ...config1,\n    ...config2\n  });\n',
    '  const keys = ownEnumerableKeys(Object.assign(Object.create(null), config1, config2));\n',
  ],
  // Node's version never changes in a process: whether it has native environment proxies is worked out (a split
  // of process.versions.node) once, not on every request.
  [
    'the Node version parsed on every request',
    'const NODE_NATIVE_ENV_PROXY_SUPPORT = {\n  22: 21,\n  24: 5\n};\n',
    'const NODE_NATIVE_ENV_PROXY_SUPPORT = {\n  22: 21,\n  24: 5\n};\nconst THIS_NODE_HAS_NATIVE_ENV_PROXY = isNodeNativeEnvProxySupported();\n',
  ],
  // process.allowedNodeEnvironmentFlags builds a set of every Node option on first read; the option it looks
  // for does not exist before Node 22.21.
  [
    "Node's option set built by the first request",
    "if (!process.allowedNodeEnvironmentFlags || !process.allowedNodeEnvironmentFlags.has('--use-env-proxy')) {",
    "if (!THIS_NODE_HAS_NATIVE_ENV_PROXY || !process.allowedNodeEnvironmentFlags || !process.allowedNodeEnvironmentFlags.has('--use-env-proxy')) {",
  ],
];

const unavailable = (what) =>
  `function unavailable() { throw new Error(${JSON.stringify(`notifier bundles no ${what} (scripts/axios-trim.mjs)`)}); }`;

/** Modules axios requires that notifier's sender never calls, replaced by ones that fail loudly if it ever did. */
const STUBS = {
  'form-data': `${unavailable('form-data')}\nmodule.exports = unavailable;`,
  'follow-redirects': `${unavailable('follow-redirects: maxRedirects is 0')}\nmodule.exports = { http: { request: unavailable }, https: { request: unavailable } };`,
  // axios tunnels through it only when it is given a proxy for an https URL; notifier tunnels itself.
  'https-proxy-agent': `${unavailable("axios's own proxy tunnel")}\nmodule.exports = unavailable;`,
};

/** axios's one-file CommonJS build for Node, which the patches are written against (its ESM build is many files). */
const AXIOS_CJS = createRequire(import.meta.url).resolve('axios');

export function axiosTrim() {
  return {
    name: 'axios-trim',
    setup(build) {
      if (!AXIOS.test(AXIOS_CJS))
        throw new Error(`axios-trim: 'axios' resolves to ${AXIOS_CJS}, not its dist/node/axios.cjs (a new axios?)`);
      build.onResolve({ filter: /^axios$/ }, () => ({ path: AXIOS_CJS }));
      build.onResolve({ filter: /^(form-data|follow-redirects|https-proxy-agent)$/ }, (args) =>
        AXIOS.test(args.importer) ? { path: args.path, namespace: 'axios-trim-stub' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'axios-trim-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
      build.onLoad({ filter: AXIOS }, async (args) => {
        let source = await readFile(args.path, 'utf8');
        for (const [what, from, to] of PATCHES) {
          const count = typeof from === 'string' ? source.split(from).length - 1 : (source.match(new RegExp(from, 'g')) ?? []).length;
          if (count !== 1)
            throw new Error(`axios-trim: cannot trim ${what}: its source text occurs ${count} times in ${args.path} (a new axios?)`);
          source = source.replace(from, to);
        }
        return { contents: source, loader: 'js' };
      });
    },
  };
}
