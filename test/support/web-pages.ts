import { mkdirSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page, Route } from "playwright-core";

/**
 * Screenshots of the web UI tests, for a person to look at: test-artifacts/web/<suite>/ at the repository root,
 * gitignored, kept after the run (CI can upload the folder).
 */
export const WEB_ARTIFACTS = path.join(__dirname, "..", "..", "test-artifacts", "web");

/**
 * Pages of the web UI in one browser context, signed in the way a person does it, with every uncaught exception and
 * console error recorded: a test asserts `errors` is empty after each step.
 */
export class WebPages {
  /** Uncaught exceptions and console errors (failed requests included) of every page opened here. */
  readonly errors: string[] = [];
  private readonly artifacts: string;

  constructor(
    readonly context: BrowserContext,
    readonly gateway: string,
    suite: string,
  ) {
    this.artifacts = path.join(WEB_ARTIFACTS, suite);
    mkdirSync(this.artifacts, { recursive: true });
  }

  async newPage(): Promise<Page> {
    const page = await this.context.newPage();
    page.on("pageerror", (error) => this.errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") this.errors.push(`${message.text()} (${message.location().url})`);
    });
    return page;
  }

  /**
   * Opens the page and signs in: paste the token, press Connect, wait until live and the list's first page is in.
   * `reload: false` signs in on the page as it is (after a sign-out), so requests still in flight carry on.
   */
  async signIn(page: Page, token: string, options: { reload?: boolean } = {}): Promise<void> {
    if (options.reload ?? true) await page.goto(`${this.gateway}/`);
    await page.locator("#token-input").fill(token);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator('#status[data-status="live"]').waitFor();
    await page.waitForFunction(() => {
      const doc = (globalThis as any).document;
      return doc.querySelector("#list li") !== null || !doc.querySelector("#list-empty").hidden;
    });
  }

  /**
   * Serves the gateway's real list with `extras` merged into the items of those ids (a notification's `url`, `count`,
   * `actions`…): what the real servers never send, as a hostile or stale server would answer, or a view with every
   * kind of row at once. Reads `extras` at each answer, so a test may add to it later. Returns the list requests'
   * query strings, in order.
   */
  async serveExtras(page: Page, extras: Record<number, Record<string, unknown>>): Promise<string[]> {
    const asked: string[] = [];
    await page.route(
      (url) => url.pathname === "/api/v1/notifications",
      async (route: Route) => {
        asked.push(new URL(route.request().url()).search);
        const response = await route.fetch();
        const body = await response.json();
        body.items = body.items.map((i: { id: number }) => ({ ...i, ...extras[i.id] }));
        await route.fulfill({ response, json: body });
      },
    );
    return asked;
  }

  async screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
    // A whole page is shot from its top: scrolled down, the sticky header was drawn across the middle of it.
    if (options.fullPage) await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await page.screenshot({ animations: "disabled", path: path.join(this.artifacts, `${name}.png`), ...options });
  }

  /** Chromium logs every answer with this status as a console error: expected where a test provokes one. */
  forgive(status: number): void {
    for (let i = this.errors.length - 1; i >= 0; i--) if (this.errors[i]!.includes(`status of ${status}`)) this.errors.splice(i, 1);
  }
}
