/**
 * Module boundaries (docs/architecture.md, "The module convention"). `npm test` runs
 * `depcruise src sandbox` with this file; any `error` fails the build.
 *
 * A module is a folder directly under src/ (src/channels/<connector>/ for connectors and
 * src/protocols/<protocol>/ for wire formats). Others use it only through its index.ts.
 */
const business =
  '(payments|wallets|escrow|fx|settlement|reconciliation|customs|interop|billpay|risk|events|parties|cards|vault|ledger|store|money|core|channels|protocols|read-models)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles: a lower module declares a port in its index.ts and app.ts binds it.',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-deep-import',
      severity: 'error',
      comment: 'Another module is reached only through its index.ts.',
      // src/store/schema.ts composes every module's tables (type-only): the one declared exception.
      from: { path: '^src/([^/]+)/', pathNot: ['^src/(channels|protocols)/', '^src/store/schema\\.ts$'] },
      to: {
        path: '^src/([^/]+)/',
        pathNot: ['^src/$1/', '^src/(channels|protocols)/[^/]+/index\\.ts$', '^src/[^/]+/index\\.ts$', '^src/channels/index\\.ts$'],
      },
    },
    {
      name: 'schema-composes-module-tables',
      severity: 'error',
      comment: "src/store/schema.ts composes each module's tables: it may import a module's schema.ts (type-only), nothing else of it.",
      from: { path: '^src/store/schema\\.ts$' },
      to: { path: '^src/([^/]+)/', pathNot: ['^src/store/', '^src/[^/]+/schema\\.ts$'] },
    },
    {
      name: 'no-deep-import-into-connectors',
      severity: 'error',
      comment: 'A connector or protocol folder is reached only through its index.ts.',
      from: { path: '^src/', pathNot: '^src/(channels|protocols)/' },
      to: { path: '^src/(channels|protocols)/[^/]+/', pathNot: '^src/(channels|protocols)/[^/]+/index\\.ts$' },
    },
    {
      name: 'business-not-upward',
      severity: 'error',
      comment: 'A business module never imports api, web, cli, bench or the composition root.',
      from: { path: `^src/${business}/` },
      to: { path: '^src/(api|web|cli|bench)/|^src/app\\.ts$' },
    },
    {
      name: 'sandbox-speaks-for-itself',
      severity: 'error',
      comment: 'The sandbox implements the formats it speaks (its own pain.001 reader, EMV QR writer, IBAN check); it shares only the ISO 8583 codec, money and core with Hutong.',
      from: { path: '^sandbox/' },
      to: { path: '^src/', pathNot: '^src/(protocols/iso8583|money|core)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
