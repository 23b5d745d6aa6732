// @ts-check
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Relative imports of src/api from anywhere in the project (not packages such as @opentelemetry/api).
const API_LAYER = ['./api', './api/*', '../api', '../api/*', '../../api/*', '**/src/api/*'];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', '.build/', 'dist/', 'dashboard/dist/', 'test-output/', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O, and nothing but types from
    // src/ (its values would be bundled into every session, and may do I/O).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
          patterns: [
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'workflows call activities through proxyActivities and import their types only' },
            { group: ['**/src/*', '**/src/**'], allowTypeImports: true, message: 'workflows import nothing but types from src/' },
          ],
        },
      ],
    },
  },
  // Layers (README, "Code map"): each may import those below it, never those above. The cycle check
  // (scripts/check-cycles.ts) runs beside this in `npm run lint`.
  {
    // The HTTP layer is on top: the domain below it (services, schemas, storage, outbound calls, activities) never
    // imports it, and throws src/errors.ts's errors, which the API's funnel answers.
    files: ['src/{services,events,schemas,flow,outbound,temporal,webhooks,security,attachments,cache,telemetry}/**/*.ts', 'src/*.ts', 'activities/**/*.ts'],
    ignores: ['src/server.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: API_LAYER, message: 'src/api is the HTTP layer on top: import from src/errors.ts or src/schemas instead' }] }] },
  },
  {
    // Storage knows documents, not what the services do with them.
    files: ['src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: API_LAYER, message: 'src/api is the HTTP layer on top' },
          { group: ['**/services', '**/services/**'], message: 'src/db is below src/services' },
        ],
      }],
    },
  },
  {
    // Tools stand on the project, not on its tests (test helpers change with any test); test tools live in test/tools.
    files: ['bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**', '../test/*'], message: 'bench/ and scripts/ do not import test/: a tool that drives the test stack belongs in test/tools' }] }] },
  },
);
