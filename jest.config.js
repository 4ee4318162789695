/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.(t|j)sx?$": ["@swc/jest"] },
  // Tests import the packages' sources; end-to-end tests run the built services.
  moduleNameMapper: {
    "^@herald/contract/schemas$": "<rootDir>/packages/contract/src/schemas",
    "^@herald/(contract|auth|runtime|db|dispatch|sdk|client)$": "<rootDir>/packages/$1/src",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  testMatch: ["<rootDir>/{packages,services}/*/test/**/*.test.ts", "<rootDir>/test/**/*.test.ts"],
  // The chaos and cluster suites have their own configs and commands (`npm run test:chaos`, `npm run test:cluster`).
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/chaos/", "<rootDir>/test/cluster/"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  testTimeout: 60_000,
  maxWorkers: 2,
  // A connection a test forgot to close must not keep CI waiting until its time limit.
  forceExit: true,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
