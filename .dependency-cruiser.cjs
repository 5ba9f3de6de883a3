// The layering rules of the README's Architecture section, checked by `npm run deps:check` (and .ci/run).
//
//   gateway, worker -> runtime, core, adapters, mappings, specs
//   runtime         -> core, specs
//   adapters        -> mappings, specs
//   core            -> mappings, specs
//   mappings        -> specs
//   lab             -> core, mappings, specs
//   lib             -> nothing of ours (every folder may use it)
//   packages/*      -> nothing of ours: each is published on its own (the adapter SDK); every folder may use it
//   core, adapters, mappings and specs know nothing of HTTP (fastify) or queues (BullMQ, Redis);
//   gateway and worker never import each other; only test/ and bench/ import test/ or bench/,
//   and those two do not import each other.
// scripts/ (the composition root and the command-line tools), sim/ (the state simulator) and demo/ sit
// outside the layers: they may use any of them, but no layer may use them.
//
// TypeScript here is 7 (the native compiler), which has no JavaScript API for dependency-cruiser to
// parse with, so it parses with swc (@swc/core, a dev dependency). Type-only imports count: swc keeps them.

const layers = ['lib', 'specs', 'mappings', 'adapters', 'core', 'runtime', 'gateway', 'worker', 'lab'];
const tools = ['scripts', 'sim', 'demo', 'bin'];
const under = (...dirs) => `^(${dirs.join('|')})/`;
/** Every top-level folder of ours except the ones listed. */
const allBut = (...allowed) => under(...[...layers, ...tools, 'test', 'bench'].filter((d) => !allowed.includes(d)));
/** Every folder of ours outside one workspace package. */
const outsidePackage = (name) =>
  `^(?!packages/${name}/)(${[...layers, ...tools, 'test', 'bench', 'packages'].join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-stand-alone',
      comment:
        'lib/ holds small helpers with no domain knowledge (seeded random, XML, CSV, caches): it imports none of ' +
        'our folders, and every folder may import it.',
      severity: 'error',
      from: { path: under('lib') },
      to: { path: allBut('lib') },
    },
    {
      name: 'adapter-sdk-stand-alone',
      comment:
        'packages/adapter-sdk is published on its own and adapters outside this repository build on it: it imports ' +
        'nothing of the gateway, only npm packages (the gateway depends on it like any adapter does).',
      severity: 'error',
      from: { path: '^packages/adapter-sdk/' },
      to: { path: outsidePackage('adapter-sdk') },
    },
    {
      name: 'adapter-ngs-only-the-sdk',
      comment:
        'packages/adapter-ngs is the worked example of an adapter outside the gateway: it is written only against ' +
        'the published SDK (@msix/adapter-sdk) and npm packages, never the gateway or another package by path.',
      severity: 'error',
      from: { path: '^packages/adapter-ngs/' },
      to: { path: outsidePackage('adapter-ngs'), pathNot: '^packages/adapter-sdk/src/' },
    },
    {
      name: 'specs-stand-alone',
      comment: 'specs/ is the standards as data: it imports none of our other folders but lib/.',
      severity: 'error',
      from: { path: under('specs') },
      to: { path: allBut('specs', 'lib') },
    },
    {
      name: 'mappings-only-specs',
      comment: 'mappings/ (crosswalks and the engine that applies them) uses only specs/.',
      severity: 'error',
      from: { path: under('mappings') },
      to: { path: allBut('lib', 'mappings', 'specs') },
    },
    {
      name: 'adapters-only-mappings-specs',
      comment: 'An adapter maps a state format to the canonical model: mappings/ and specs/ only.',
      severity: 'error',
      from: { path: under('adapters') },
      to: { path: allBut('lib', 'adapters', 'mappings', 'specs') },
    },
    {
      name: 'core-only-mappings-specs',
      comment: 'core/ is the domain: it uses mappings/ and specs/, never a shell, the runtime or the lab.',
      severity: 'error',
      from: { path: under('core') },
      to: { path: allBut('lib', 'core', 'mappings', 'specs') },
    },
    {
      name: 'runtime-only-core-specs',
      comment: 'runtime/ is process plumbing shared by the shells (config, logging, connections): core/ and specs/.',
      severity: 'error',
      from: { path: under('runtime') },
      to: { path: allBut('lib', 'runtime', 'core', 'specs') },
    },
    {
      name: 'gateway-not-worker',
      comment:
        'The gateway uses runtime/core/adapters/mappings/specs; it shares queue names with the worker through core.',
      severity: 'error',
      from: { path: under('gateway') },
      to: { path: allBut('lib', 'gateway', 'runtime', 'core', 'adapters', 'mappings', 'specs') },
    },
    {
      name: 'worker-not-gateway',
      comment: 'The worker uses runtime/core/adapters/mappings/specs; it never imports the gateway.',
      severity: 'error',
      from: { path: under('worker') },
      to: { path: allBut('lib', 'worker', 'runtime', 'core', 'adapters', 'mappings', 'specs') },
    },
    {
      name: 'lab-only-core-mappings-specs',
      comment: 'lab/ (evaluation, synthetic data, training, batch tools) builds on the engine, never on a shell.',
      severity: 'error',
      from: { path: under('lab') },
      to: { path: allBut('lib', 'lab', 'core', 'mappings', 'specs') },
    },
    {
      name: 'tools-not-tests',
      comment: 'scripts/, sim/, demo/ and bin/ may use every layer, but never test/ or bench/.',
      severity: 'error',
      from: { path: under(...tools) },
      to: { path: under('test', 'bench') },
    },
    {
      name: 'test-not-bench',
      comment: 'Tests do not import benchmarks; shared helpers live in the module they belong to.',
      severity: 'error',
      from: { path: under('test') },
      to: { path: under('bench') },
    },
    {
      name: 'bench-not-test',
      comment: 'Benchmarks do not import tests; shared helpers live in the module they belong to.',
      severity: 'error',
      from: { path: under('bench') },
      to: { path: under('test') },
    },
    {
      name: 'pure-core-no-http-no-queue',
      comment:
        'lib/, core/, adapters/, mappings/, specs/ and lab/ know nothing of HTTP (fastify) or queues (BullMQ, Redis).',
      severity: 'error',
      from: { path: under('lib', 'core', 'adapters', 'mappings', 'specs', 'lab') },
      to: { path: '^node_modules/(fastify|@fastify/|fastify-plugin|bullmq|ioredis)' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'production-not-to-dev-dependencies',
      comment: 'What the gateway and the worker run must not need a devDependency (npm ci --omit=dev).',
      severity: 'error',
      from: {
        path: under('packages', 'lib', 'specs', 'mappings', 'adapters', 'core', 'runtime', 'gateway', 'worker', 'demo'),
      },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // swc's parser is run without JSX here, so the portal's .tsx templates are checked by
    // scripts/check-tsx-layers.mjs instead (same rules for gateway/, run by npm run deps:check too).
    exclude: { path: ['^\\.data', '^coverage', '^dist', '/dist/', '\\.tsx$'] },
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
