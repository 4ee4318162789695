import pino from "pino";

export type Logger = pino.Logger;

/** JSON logs on stdout, one line per record, tagged with the service name. */
export function createLogger(service: string, level: string = "info"): Logger {
  return pino({ level, base: { service, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
