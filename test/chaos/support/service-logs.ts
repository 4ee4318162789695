/**
 * When a service logged a message, from its JSON log lines (pino: `time` in
 * ISO, `msg`): how the suite times what a service did by itself, such as
 * reconnecting to Redis, without any hook in the service.
 */
export function firstLogAfter(logs: string, msg: string, afterMs: number): number | undefined {
  for (const line of logs.split("\n")) {
    if (!line.includes(msg)) continue;
    try {
      const record = JSON.parse(line) as { msg?: string; time?: string };
      const at = record.time ? Date.parse(record.time) : Number.NaN;
      if (record.msg === msg && at >= afterMs) return at;
    } catch {
      // not a log record (a stack trace line, a partial chunk)
    }
  }
  return undefined;
}
