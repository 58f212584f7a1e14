import type { Config } from 'jest';

const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../../tsconfig.test.json' }],
  },
  moduleNameMapper: {
    '^@scheduler/(config|recurrence|entities|queue|telemetry|testkit)$': '<rootDir>/../../packages/$1/src',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
};

/**
 * One jest run over every workspace. Suites that talk to PostgreSQL and Redis share one
 * migrated test database, prepared once by the global setup.
 */
const config: Config = {
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  projects: [
    { ...shared, displayName: 'recurrence', rootDir: '<rootDir>/packages/recurrence' },
    { ...shared, displayName: 'config', rootDir: '<rootDir>/packages/config' },
    { ...shared, displayName: 'entities', rootDir: '<rootDir>/packages/entities' },
    { ...shared, displayName: 'queue', rootDir: '<rootDir>/packages/queue' },
    { ...shared, displayName: 'telemetry', rootDir: '<rootDir>/packages/telemetry' },
    { ...shared, displayName: 'testkit', rootDir: '<rootDir>/packages/testkit' },
    { ...shared, displayName: 'client', rootDir: '<rootDir>/packages/client' },
    { ...shared, displayName: 'api', rootDir: '<rootDir>/services/api' },
    { ...shared, displayName: 'worker', rootDir: '<rootDir>/services/worker' },
    // services/web is not a jest project: its Vitest suite runs by `npm run test -w services/web` (root `npm test`).
    {
      ...shared,
      displayName: 'repo',
      rootDir: '<rootDir>',
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
      moduleNameMapper: { '^@scheduler/(config|recurrence|entities|queue|telemetry|testkit)$': '<rootDir>/packages/$1/src' },
    },
  ],
};

export default config;
