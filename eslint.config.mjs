// @ts-check
// `npm run lint` (with `prettier --check`). Type-aware: every file is linted with the types of
// the tsconfig that compiles or type-checks it, through typescript-eslint's project service.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier/flat';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Test code: every workspace's test/ folder, the repository-level test/ and the shared test kit. */
const TEST_FILES = ['packages/*/test/**', 'services/*/test/**', 'test/**', 'packages/testkit/src/**'];

export default defineConfig(
  { ignores: ['**/dist/', '**/node_modules/', 'coverage/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: {
          // Sources (packages/*/src, services/*/src) are found through their workspace's
          // tsconfig.json, and the JS scripts through scripts/tsconfig.json. Test files are in no
          // tsconfig.json: they are type-checked by tsconfig.test.json (`tsc -p tsconfig.test.json`,
          // `@scheduler/*` mapped to the sources), so that is their project here too, as it is for
          // the root config files. The project service gives each such file its own program, hence
          // the raised cap (the default of 8 is meant for a few stray config files).
          allowDefaultProject: [
            '*.ts',
            '*.mjs',
            'test/*.ts',
            'packages/*/test/*.ts',
            'packages/*/test/*/*.ts',
            'services/*/test/*.ts',
            'services/*/test/*/*.ts',
            // The shared test kit is no workspace of its own (nothing builds it): tests only.
            'packages/testkit/src/*.ts',
          ],
          defaultProject: 'tsconfig.test.json',
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 200,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Thenables too: an un-awaited supertest request (a superagent thenable, not a Promise) is a
      // test that cannot fail.
      '@typescript-eslint/no-floating-promises': ['error', { checkThenables: true }],
      // A leading underscore marks a binding as unused on purpose: Express recognises an error
      // handler by its four parameters (`_next`), and `const { name: _dropped, ...rest } = x`
      // omits a key.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The scripts are plain CommonJS run by node without a build step. Their parameters and
    // locals have no type annotations (JS), so the no-unsafe-* family would flag nearly every
    // line; the rules that need only the types of what they call (no-floating-promises,
    // no-misused-promises, await-thenable, ...) stay on: the workspaces' APIs they require are
    // typed from source through scripts/tsconfig.json's references.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Tests read HTTP responses through supertest, whose `res.body` is `any` by design, and
    // assert on them with jest (`expect(x: any)`): the no-unsafe-* family would flag every
    // assertion on a body. The assertions are the type check there. Everything else stays on,
    // no-floating-promises and no-misused-promises included (an un-awaited request or expect is
    // a test that cannot fail).
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // Last: turns off every stylistic rule that Prettier owns, so the two never disagree.
  prettier,
);
