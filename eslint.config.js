import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'manifests/**', 'charts/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      complexity: ['warn', 10],
      'max-params': ['warn', 4],
    },
  },
  { files: ['test/**/*.ts', 'bench/**/*.ts', 'src/cli/**/*.ts', 'scripts/**'], rules: { 'no-console': 'off' } },
);
