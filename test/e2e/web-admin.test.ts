import type { Page } from "playwright-core";
import { seriousViolations } from "../support/axe";
import { launchBrowser, type Browser } from "../support/browser";
import { api, eventually, publish } from "../support/clients";
import { WebhookReceiver } from "../support/receivers";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";
import { WebPages } from "../support/web-pages";

const MAX_ATTEMPTS = 2;
const BACKOFF_MS = 200;

/**
 * The admin panel in a real headless Chromium, against real ingest, router, delivery-worker and gateway processes:
 * the gateway passes the panel's operator calls on to ingest (INGEST_URL), and a real webhook receiver that fails
 * makes a real dead letter, which the admin retries from the page once the receiver is back.
 */
describe("web UI: the admin panel (statistics, deliveries, attempt log, dead-letter retry, why)", () => {
  let stack: TestStack;
  let browser: Browser;
  let gateway: string;
  let ingest: string;
  let pages: WebPages;
  let answer = 500;
  const failing = new WebhookReceiver(() => answer);
  const healthy = new WebhookReceiver(() => 200);
  const admin = userToken("ops-admin", "admin");
  let deadId: string;
  let deliveredId: string;
  let deadEvent: string;

  const deliveryOf = (userId: string, status: string) =>
    eventually(
      async () => {
        const rows = await stack.db.query<{ id: string; status: string }>(
          "SELECT id::text, status FROM deliveries WHERE user_id = $1 ORDER BY id",
          [userId],
        );
        return rows.find((r) => r.status === status)?.id;
      },
      20_000,
      `${userId}'s delivery ${status}`,
    );

  async function webhookUser(userId: string, url: string): Promise<void> {
    const token = userToken(userId);
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { webhookUrl: url })).status).toBe(200);
    const prefs = await api(gateway, token, "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["in_app", "webhook"] });
    expect(prefs.status).toBe(200);
  }

  async function fail(userId: string): Promise<string> {
    const res = await publish(ingest, producerToken(), {
      type: "job.failed",
      payload: { ownerUserId: userId, jobName: "train", error: "OOM" },
    });
    expect(res.status).toBe(202);
    return res.body!.id as string;
  }

  beforeAll(async () => {
    await Promise.all([failing.start(), healthy.start()]);
    stack = await TestStack.create({
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
    });
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("delivery-worker")]);
    ingest = stack.service("ingest").url;
    await stack.start("realtime-gateway", { env: { INGEST_URL: ingest } });
    gateway = stack.service("realtime-gateway").url;

    await webhookUser("hook-ann", failing.url());
    await webhookUser("hook-bob", healthy.url());
    deadEvent = await fail("hook-ann");
    await fail("hook-bob");
    deadId = await deliveryOf("hook-ann", "dead_lettered");
    deliveredId = await deliveryOf("hook-bob", "delivered");

    browser = await launchBrowser({ viewport: { width: 1400, height: 1000 } });
    // Screenshots in test-artifacts/web/admin/.
    pages = new WebPages(browser.context, gateway, "admin");
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await Promise.all([failing.stop(), healthy.stop()]);
  });

  afterEach(() => {
    expect(pages.errors).toEqual([]);
  });

  const openAdmin = async (page: Page) => {
    await pages.signIn(page, admin);
    await page.getByRole("button", { name: "Admin" }).click();
    await page.locator("#admin-channels").waitFor();
    await page.locator("#admin-deliveries table").waitFor();
  };

  const cellsOf = (page: Page, selector: string) =>
    page.locator(`${selector} tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));

  it("the gateway passes only the panel's operator routes on to ingest, which decides: a user token is refused there", async () => {
    expect((await api(gateway, userToken("hook-ann"), "GET", "/api/v1/admin/deliveries")).status).toBe(403);
    const bad = await api(gateway, admin, "GET", "/api/v1/admin/deliveries?status=lost");
    expect(bad.status).toBe(400);
    expect((await api(gateway, admin, "PUT", "/api/v1/admin/users/someone", { role: "admin" })).body.error.code).toBe("not_found");
    expect((await api(gateway, admin, "GET", "/api/v1/admin/links")).body).toEqual({ dashboard: `${ingest}/admin/login` });
    // explain on behalf of another user is for admins only.
    const asked = await api(gateway, userToken("hook-bob"), "GET", `/api/v1/notifications/explain?eventId=${deadEvent}&userId=hook-ann`);
    expect({ status: asked.status, code: asked.body.error.code }).toEqual({ status: 403, code: "forbidden" });
    const own = await api(gateway, userToken("hook-ann"), "GET", `/api/v1/notifications/explain?eventId=${deadEvent}&userId=hook-ann`);
    expect(own.body).toMatchObject({ userId: "hook-ann", outcome: "delivered" });
    const forBob = await api(gateway, admin, "GET", `/api/v1/notifications/explain?eventId=${deadEvent}&userId=hook-bob`);
    expect(forBob).toEqual({ status: 200, body: { eventId: deadEvent, outcome: "not_a_recipient", reason: expect.any(String) } });
  });

  it("ingest not answering is 503 ingest_unavailable, not a hang or a 500", async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    const lonely = await stack.start("realtime-gateway", { key: "gateway-without-ingest", env: { INGEST_URL: "http://127.0.0.1:9" } });
    const res = await api(lonely.url, admin, "GET", "/api/v1/admin/stats");
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 503, code: "ingest_unavailable" });
  });

  it("a user who is not an admin sees no Admin button", async () => {
    const page = await pages.newPage();
    await pages.signIn(page, userToken("hook-bob"));
    expect(await page.locator("#admin-button").isHidden()).toBe(true);
    expect(await page.locator("#admin").isHidden()).toBe(true);
    await page.close();
  });

  it("statistics per channel with the success rate, the stream and queues, and the dashboard link", async () => {
    const page = await pages.newPage();
    await openAdmin(page);
    const channels = await cellsOf(page, "#admin-channels");
    const webhook = channels.find((c) => c[0] === "webhook")!;
    // Delivered, Dead letters, Queued, Skipped, Success rate.
    expect(webhook.slice(1, 6)).toEqual(["1", "1", "0", "0", "50.0 %"]);
    const queues = (await cellsOf(page, "#admin-backlog")).map((c) => c[0]);
    expect(queues).toContain("event stream (router lag)");
    expect(queues.length).toBeGreaterThan(1);
    expect(await page.getByRole("link", { name: "queue dashboard (BullMQ)" }).getAttribute("href")).toBe(`${ingest}/admin/login`);
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "1-admin-panel", { fullPage: true });
    await page.close();
  });

  it("deliveries filter by status and channel; a delivery's attempt log shows every attempt; Retry re-sends a dead letter", async () => {
    const page = await pages.newPage();
    await openAdmin(page);
    const ids = async () => (await cellsOf(page, "#admin-deliveries")).map((c) => c[0]);
    expect(await ids()).toEqual([deliveredId, deadId]);

    await page.locator("#admin-status").selectOption("dead_lettered");
    await eventually(async () => ((await ids()).join() === deadId ? true : undefined), 5_000, "only the dead letter listed");
    await page.locator("#admin-status").selectOption("");
    await page.locator("#admin-channel").selectOption("email");
    await page.getByText("No deliveries match.").waitFor();
    await page.locator("#admin-channel").selectOption("webhook");
    await page.locator("#admin-status").selectOption("dead_lettered");
    await eventually(async () => ((await ids()).join() === deadId ? true : undefined), 5_000, "the webhook dead letter");
    const dead = (await cellsOf(page, "#admin-deliveries"))[0]!;
    expect(dead.slice(1, 6)).toEqual(["hook-ann", "webhook", "Dead letter", String(MAX_ATTEMPTS), "HTTP 500"]);
    // Only a dead letter has Retry.
    expect(await page.locator(`[data-retry="${deliveredId}"]`).count()).toBe(0);

    await page.getByRole("button", { name: `Attempts of ${deadId}` }).click();
    await page.locator("#admin-attempts table").waitFor();
    const attempts = await cellsOf(page, "#admin-attempts");
    expect(attempts.map((a) => a.slice(0, 3))).toEqual([
      ["1", "failure", "HTTP 500"],
      ["2", "failure", "HTTP 500"],
    ]);
    await pages.screenshot(page, "2-admin-attempts", { fullPage: true });

    // The receiver is back; the admin retries from the page, by keyboard.
    answer = 200;
    const before = failing.requests.length;
    await page.getByRole("button", { name: `Attempts of ${deadId}` }).focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = (globalThis as any).document.activeElement;
      const style = (globalThis as any).getComputedStyle(el);
      return {
        retry: el.dataset.retry,
        visible: el.matches(":focus-visible"),
        outline: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
      };
    });
    expect(focused).toEqual({ retry: deadId, visible: true, outline: "solid", width: expect.any(Number) });
    expect(focused.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press("Enter");
    await page.getByText(`Delivery ${deadId} is queued again.`).waitFor();
    await eventually(
      async () => ((await deliveryOf("hook-ann", "delivered")) === deadId ? true : undefined),
      20_000,
      "retried delivery delivered",
    );
    expect(failing.requests.length).toBe(before + 1);
    // Listed dead letters: none left once the page asks again.
    await page.locator("#admin-status").selectOption("delivered");
    await eventually(
      async () => ((await ids()).sort().join() === [deadId, deliveredId].sort().join() ? true : undefined),
      5_000,
      "both delivered",
    );
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it("Subscriptions: the tenant's webhook subscriptions listed (another tenant's not, no secret shown), paused and resumed from the page", async () => {
    const service = producerToken("billing", ["events:subscribe"]);
    const created = await api(ingest, service, "POST", "/api/v1/subscriptions", {
      url: healthy.url(),
      eventTypes: ["review.*", "job.failed"],
      filter: { projectId: "p-7" },
      description: "billing reviews",
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const foreign = await api(ingest, producerToken("billing", ["events:subscribe"], "globex"), "POST", "/api/v1/subscriptions", {
      url: healthy.url(),
      eventTypes: ["*"],
    });
    expect(foreign.status).toBe(201);

    const page = await pages.newPage();
    await openAdmin(page);
    await page.locator("#admin-subscriptions table").waitFor();
    const rows = await cellsOf(page, "#admin-subscriptions");
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      [`billing reviews ${id}`, healthy.url(), "review.*, job.failed", "project p-7", "Active"],
    ]);
    expect(await page.locator("#admin-subscriptions").textContent()).not.toContain("whsec_");

    await page.getByRole("button", { name: `Pause ${id}` }).click();
    await page.getByRole("button", { name: `Resume ${id}` }).waitFor();
    expect((await cellsOf(page, "#admin-subscriptions"))[0]![4]).toBe("Paused");
    // The service sees its subscription paused: the page changed the stored row, not just itself.
    expect((await api(ingest, service, "GET", `/api/v1/subscriptions/${id}`)).body.status).toBe("paused");
    await pages.screenshot(page, "3-admin-subscriptions", { fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: `Resume ${id}` }).click();
    await page.getByRole("button", { name: `Pause ${id}` }).waitFor();
    expect((await api(ingest, service, "GET", `/api/v1/subscriptions/${id}`)).body.status).toBe("active");
    await page.close();
  });

  it("Why: an event picked from the history, its decision record for every candidate, explain for a candidate picked from them, for the admin (no recipient) and for a user of the tenant picked by id", async () => {
    const page = await pages.newPage();
    await openAdmin(page);
    // The latest events of the tenant, newest first, by type, subject and time; picking one fills the id in.
    const recent = page.locator("#why-recent option");
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("#why-recent option").length > 1);
    const labels = await recent.allTextContents();
    expect(labels[0]).toBe("pick one of the latest");
    expect(labels.slice(1).every((l) => /^job\.failed · train · .+\d{2}:\d{2}/.test(l))).toBe(true);
    await page.locator("#why-recent").selectOption(deadEvent);
    expect(await page.locator("#why-event").inputValue()).toBe(deadEvent);
    await page.getByRole("button", { name: "Every candidate's decision" }).click();
    await page.locator("#why-result table").waitFor();
    const records = await cellsOf(page, "#why-result");
    expect(records).toHaveLength(1);
    expect(records[0]!.slice(0, 4)).toEqual(["hook-ann", expect.any(String), "delivered", "in_app, webhook"]);
    // A candidate picked from the table: explain for them, below it.
    await page.getByRole("button", { name: "Explain for hook-ann" }).click();
    await page.locator("#why-result .why-explain").filter({ hasText: "For hook-ann:" }).waitFor();
    expect(await page.locator("#why-user").inputValue()).toBe("hook-ann");
    expect(await page.locator("#why-result table").count()).toBe(1);
    await page.locator("#why-user").fill("");

    // Blank user: the admin themself, who was no candidate.
    const explained = page.locator("#why-result .why-explain");
    await page.getByRole("button", { name: "Explain for this user" }).click();
    // Not just any explanation: hook-ann's from above is still there until this one replaces it.
    await explained.filter({ hasText: "For you:" }).waitFor();
    expect(await explained.getAttribute("data-outcome")).toBe("not_a_recipient");
    expect(await explained.textContent()).toMatch(/^For you: not a recipient: .+/);
    // Another user of the tenant: hook-bob owns no part of hook-ann's job; hook-ann got it.
    const explainedFor = async (userId: string) => {
      await page.locator("#why-user").fill(userId);
      await page.getByRole("button", { name: "Explain for this user" }).click();
      await page
        .locator("#why-result .why-explain")
        .filter({ hasText: `For ${userId}:` })
        .waitFor();
      return { outcome: await explained.getAttribute("data-outcome"), text: await explained.textContent() };
    };
    expect(await explainedFor("hook-bob")).toEqual({
      outcome: "not_a_recipient",
      text: expect.stringMatching(/^For hook-bob: not a recipient: .+/),
    });
    expect(await explainedFor("hook-ann")).toEqual({ outcome: "delivered", text: expect.stringMatching(/^For hook-ann: delivered: .+/) });

    // An unknown event: the operator API's 404, in words.
    await page.locator("#why-event").fill("no-such-event");
    await page.getByRole("button", { name: "Every candidate's decision" }).click();
    await page.locator("#admin-error").getByText("no event no-such-event (not_found)").waitFor();
    pages.forgive(404);
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "4-admin-why", { fullPage: true });
    await page.close();
  });
});
