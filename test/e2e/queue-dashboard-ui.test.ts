import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { QUEUES } from "@herald/runtime";
import { TestStack } from "../support/stack";
import { userToken } from "../support/tokens";

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-sync",
];

/**
 * bull-board's dashboard on ingest, in a real headless Chromium: an operator
 * logs in with a pasted admin token and sees the queues and a queue's jobs.
 */
describe("the queue dashboard in a real browser", () => {
  let stack: TestStack;
  let ingest: string;
  let profileDir: string;
  let context: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH (see test/e2e/web-ui.test.ts)`);
    }
    stack = await TestStack.create();
    ingest = (await stack.start("ingest")).url;
    // A job to look at, so that a queue's page has something to render.
    const webhook = new Queue(QUEUES.webhook, { connection: stack.redis, prefix: stack.names.queuePrefix });
    await webhook.add("deliver", { deliveryId: "1", note: `<img src=x onerror="window.__xss=1">` }, { jobId: "dash-1" });
    await webhook.close();
    profileDir = mkdtempSync(path.join(os.tmpdir(), "herald-dashboard-"));
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await stack?.stop();
  });

  const newPage = (): Promise<Page> => context.newPage();

  it("renders the queue list and a queue's jobs after a login through the form", async () => {
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

    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.screenshot({ path: path.join(os.tmpdir(), "herald-queue-dashboard.png") });
    await page.close();
  });
});
