// Prints one closing line, "tests: N passed, N failed, N skipped", that CI
// and people can read without parsing Jest's own summary. It is written at
// process exit so that it comes after every other reporter's output.
const { writeSync } = require("node:fs");

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    // Written straight to the file descriptor: at exit (Jest's forceExit included) a stream write may be lost.
    process.once("exit", () => writeSync(2, line));
  }
}
module.exports = SummaryReporter;
