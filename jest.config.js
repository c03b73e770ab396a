/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  // Files named *.host.test.ts need system packages or root; `npm run test:unit` leaves them out.
  reporters: ['default', '<rootDir>/scripts/lib/closing-line-reporter.mjs'],
  globalSetup: '<rootDir>/scripts/lib/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/scripts/lib/jest-global-teardown.mjs',
};
