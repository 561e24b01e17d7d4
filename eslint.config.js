// A few rules, each for a mistake the type checker does not catch: a promise nobody waits for,
// the time of day read outside the one clock, and an import against the direction of the layers
// (README, "What is where").
import tseslint from 'typescript-eslint';

const below = (...folders) => ({
  'no-restricted-imports': ['error', { patterns: folders.map((f) => ({ group: [`**/${f}/**`], message: `this folder does not import ${f}/` })) }],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'prisma/generated/', '**/public/', 'test-artifacts/', '.data/'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'read the time of day from the injected clock (Services.now)' },
      ],
    },
  },
  { files: ['core/**/*.ts'], rules: below('bot', 'workers', 'test') },
  { files: ['workers/**/*.ts'], rules: below('bot', 'test') },
  { files: ['nlp-models/**/*.ts', 'prisma/**/*.ts'], rules: below('core', 'bot', 'workers', 'test') },
  { files: ['core/platform/clock.ts', 'test/**/*.ts'], rules: { 'no-restricted-syntax': 'off' } },
);
