import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowser, type Browser } from "../support/browser";
import { QUEUES } from "@herald/runtime";
import { TestStack } from "../support/stack";
import { userToken } from "../support/tokens";

/**
 * bull-board's dashboard on ingest, in a real headless Chromium, under the
 * Content-Security-Policy ingest sends with it: an operator logs in with a
 * pasted admin token and sees the queues and a queue's jobs, the browser
 * reports no CSP violation and no error, and nothing is loaded from any
 * other origin.
 */
describe("the queue dashboard in a real browser, under its CSP", () => {
  let stack: TestStack;
  let ingest: string;
  let browser: Browser;
  let context: BrowserContext;
  /** Uncaught exceptions, console errors and warnings (Chromium logs CSP refusals there). */
  const problems: string[] = [];
  /** Requests the pages made to anywhere but ingest. */
  const elsewhere: string[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    ingest = (await stack.start("ingest")).url;
    // A job to look at, so that a queue's page has something to render.
    const webhook = new Queue(QUEUES.webhook, { connection: stack.redis, prefix: stack.names.queuePrefix });
    await webhook.add("deliver", { deliveryId: "1", note: `<img src=x onerror="window.__xss=1">` }, { jobId: "dash-1" });
    await webhook.close();
    browser = await launchBrowser();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const newPage = async (): Promise<Page> => {
    const page = await context.newPage();
    // Every violation of the page's policy, as the page itself sees it.
    await page.addInitScript(() => {
      const w = globalThis as unknown as {
        __cspViolations: string[];
        document: { addEventListener(t: string, f: (e: any) => void): void };
      };
      w.__cspViolations = [];
      w.document.addEventListener("securitypolicyviolation", (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()} (${m.location().url})`);
    });
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(`${ingest}/`) && !url.startsWith("data:")) elsewhere.push(url);
    });
    return page;
  };
  const violations = (page: Page) => page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations);

  it("sends the CSP, nosniff and no framing with every dashboard response", async () => {
    const admin = userToken("dash-ops", "admin");
    for (const url of [`${ingest}/admin/queues`, `${ingest}/admin/queues/api/queues`]) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
    const html = await (await fetch(`${ingest}/admin/queues`, { headers: { authorization: `Bearer ${admin}` } })).text();
    expect(html).toContain('<base href="/admin/queues/"');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("renders the queue list and a queue's jobs after a login, with no CSP violation, error or third-party request", async () => {
    const page = await newPage();
    await page.goto(`${ingest}/admin/queues`);
    // No session yet: the login form.
    await page.waitForURL(`${ingest}/admin/login`);
    await page.locator("#token").fill(userToken("dash-ops", "admin", {}, 3600));
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(/\/admin\/queues\/?$/);

    for (const name of [QUEUES.scheduler, QUEUES.webhook, QUEUES.email]) {
      await page.getByRole("link", { name }).first().waitFor({ timeout: 15_000 });
    }
    // Into a queue: its page and the lazily loaded parts of the UI.
    await page.getByRole("link", { name: QUEUES.webhook }).first().click();
    await page.waitForURL(new RegExp(`/admin/queues/queue/${QUEUES.webhook}`));
    await page.getByText("dash-1").first().waitFor({ timeout: 15_000 });

    expect(await violations(page)).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(problems).toEqual([]);
    expect(elsewhere).toEqual([]);
    await page.screenshot({ path: path.join(os.tmpdir(), "herald-queue-dashboard.png") });
    await page.close();
  });
});
