import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/**
 * Headless, and nothing of its own on the network: this machine's network is
 * closed, and Chromium's background connections would be refused by the
 * dozen at every start.
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** A real headless Chromium with a fresh profile of its own. */
export async function launchBrowser(
  options: {
    readonly viewport?: { width: number; height: number };
    /** IANA time zone the pages run in (default the machine's): a test of local times picks one away from UTC. */
    readonly timezoneId?: string;
    /** Locale the pages format dates and numbers in (default the machine's). */
    readonly locale?: string;
  } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser tests drive a real browser: install Debian's Chromium with ` +
        "`apt-get update && apt-get install -y chromium` (.ci/run does this when it is missing), or set CHROMIUM_PATH to a Chromium binary.",
    );
  }
  const profileDir = mkdtempSync(path.join(os.tmpdir(), "herald-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...(options.viewport && { viewport: options.viewport }),
    ...(options.timezoneId && { timezoneId: options.timezoneId }),
    ...(options.locale && { locale: options.locale }),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
