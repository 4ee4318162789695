import type { Logger } from "./logger";

export type ShutdownStep = () => Promise<unknown> | unknown;

/**
 * Runs the given steps in order on SIGTERM/SIGINT, then exits. A second
 * signal, or steps that take longer than `timeoutMs`, force the exit.
 */
export function onShutdown(logger: Logger, steps: readonly ShutdownStep[], timeoutMs = 10_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      logger.error("shutdown timed out: exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    let code = 0;
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        code = 1;
        logger.error({ err: error }, "shutdown step failed");
      }
    }
    logger.info("stopped");
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** Logs a fatal start-up error and exits non-zero. */
export function exitOnStartupFailure(logger: Logger) {
  return (error: unknown): never => {
    logger.fatal({ err: error }, "failed to start");
    process.exit(1);
  };
}
