// ESM + ts-jest, as the official TypeScript action template does; run through `node --experimental-vm-modules`.
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: ['TS151001'] } }
];
const common = {
  // Only these are crawled: .local-env holds etcd's *.snap files, which jest would take for obsolete snapshots.
  roots: ['<rootDir>/src', '<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node'
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Integration tests share one real cluster and store; they isolate by namespace/bucket, not by process.
      slowTestThreshold: 30
    }
  ],
  testTimeout: 120000
};
