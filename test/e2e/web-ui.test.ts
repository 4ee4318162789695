import type { Page } from "playwright-core";
import { launchBrowser, type Browser } from "../support/browser";
import { eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";
import { WebPages } from "../support/web-pages";

const JOB_TOAST_MS = 1000;
const SYSTEM_TOAST_MS = 2500;
const XSS = `<img src=x onerror="window.__xss=1">`;

/**
 * The web notification center in a real headless Chromium, against real
 * ingest, router, gateway and digest-scheduler processes: what a person sees
 * after pasting a token, receiving notifications, reading them, and turning
 * do-not-disturb on and off, muting an event type in Preferences, and setting
 * up digest, email and webhook delivery.
 */
describe("web UI: the notification center in a real browser", () => {
  let stack: TestStack;
  let browser: Browser;
  let gateway: string;
  let pages: WebPages;
  const producer = producerToken();
  const user = "web-user";

  beforeAll(async () => {
    stack = await TestStack.create({
      TOAST_EXPIRE_MS: String(JOB_TOAST_MS),
      TOAST_EXPIRE_MS_SYSTEM: String(SYSTEM_TOAST_MS),
      SCHEDULER_TICK_MS: "250",
    });
    // The router migrates the fresh database; the others then find it ready.
    await stack.start("router");
    await Promise.all([stack.start("ingest"), stack.start("realtime-gateway"), stack.start("digest-scheduler")]);
    gateway = stack.service("realtime-gateway").url;
    browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
    // Screenshots in test-artifacts/web/web-ui/.
    pages = new WebPages(browser.context, gateway, "web-ui");
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  afterEach(() => {
    expect(pages.errors).toEqual([]);
  });

  const newPage = () => pages.newPage();

  const send = async (event: Record<string, unknown>): Promise<string> => {
    const res = await publish(stack.service("ingest").url, producer, event);
    expect(res.status).toBe(202);
    return res.body!.id as string;
  };

  const signIn = (page: Page, token: string) => pages.signIn(page, token);

  const toast = (page: Page) => page.locator("#toasts .toast");
  const badge = (page: Page) => page.locator("#badge");
  const bellUnread = (page: Page) => page.locator("#bell").getAttribute("data-unread");

  let userPage: Page;

  it("serves the page with a strict CSP; a bad token is refused with a message; a good one connects and stays out of the URL", async () => {
    const res = await fetch(`${gateway}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    // The API keeps answering beside it.
    expect((await fetch(`${gateway}/api/v1/notifications/toast-config`)).status).toBe(200);
    expect((await fetch(`${gateway}/no-such-thing`)).status).toBe(404);

    userPage = await newPage();
    await userPage.goto(`${gateway}/`);
    await userPage.locator("#token-input").fill("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad-signature");
    await userPage.getByRole("button", { name: "Connect" }).click();
    await userPage.locator("#login-error").waitFor();
    expect(await userPage.locator("#login-error").textContent()).toContain("token_invalid");
    await pages.screenshot(userPage, "0-sign-in");

    const token = userToken(user);
    await signIn(userPage, token);
    expect(userPage.url()).toBe(`${gateway}/`);
    expect(await userPage.evaluate(() => (globalThis as any).sessionStorage.getItem("herald.token"))).toBe(token);
    expect(await userPage.locator("#whoami").textContent()).toBe(user);
    expect(await badge(userPage).isHidden()).toBe(true);
  });

  it("a job.completed shows a toast with its text literally, the badge at 1; the toast expires after TOAST_EXPIRE_MS", async () => {
    await send({ type: "job.completed", payload: { ownerUserId: user, jobName: XSS } });
    const shown = toast(userPage).first();
    await shown.waitFor();
    const appearedAt = Date.now();
    expect(await shown.locator(".toast-title").textContent()).toBe("Job completed");
    expect(await shown.locator(".toast-body").textContent()).toBe(`${XSS} completed`);
    expect(await shown.getAttribute("class")).not.toContain("toast--critical");
    expect(await userPage.locator("#toasts img").count()).toBe(0);
    await userPage.locator("#badge:not([hidden])").waitFor();
    expect(await badge(userPage).textContent()).toBe("1");
    expect(await userPage.locator("#bell").getAttribute("aria-label")).toBe("Notifications, 1 unread");

    await shown.waitFor({ state: "detached", timeout: JOB_TOAST_MS + 3000 });
    const lasted = Date.now() - appearedAt;
    expect(lasted).toBeGreaterThanOrEqual(JOB_TOAST_MS - 300);
    expect(lasted).toBeLessThan(JOB_TOAST_MS + 2000);
    expect(await userPage.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
  });

  it("the bell's panel lists it, unread and as text; clicking it marks it read and the badge goes to 0", async () => {
    await userPage.locator("#bell").click();
    await userPage.locator("#panel").waitFor();
    const item = userPage.locator("#list li").first();
    await item.waitFor();
    expect(await userPage.locator("#list li").count()).toBe(1);
    expect(await item.locator(".item-body").textContent()).toBe(`${XSS} completed`);
    expect(await item.getAttribute("class")).toContain("item--unread");
    expect(await userPage.locator("#list img").count()).toBe(0);

    await pages.screenshot(userPage, "1-panel-unread");
    await item.locator(".item-button").click();
    await userPage.locator('#bell[data-unread="0"]').waitFor();
    expect(await badge(userPage).isHidden()).toBe(true);
    expect(await item.getAttribute("data-read")).toBe("true");
    expect(await item.getAttribute("class")).not.toContain("item--unread");
    // Stored, not just drawn: the gateway agrees.
    const count = await (
      await fetch(`${gateway}/api/v1/notifications/unread-count`, { headers: { authorization: `Bearer ${userToken(user)}` } })
    ).json();
    expect(count).toEqual({ count: 0 });
    expect(await userPage.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
  });

  it("a critical system event reaches an admin as a critical toast that lasts TOAST_EXPIRE_MS_SYSTEM", async () => {
    const adminPage = await newPage();
    await signIn(adminPage, userToken("web-admin", "admin"));
    await send({
      type: "system.gpu_critical",
      payload: { host: "gpu-node-7", gpuIndex: 3, metric: "temperature_c", value: 93, threshold: 90, state: "firing" },
    });
    const shown = toast(adminPage).first();
    await shown.waitFor();
    const appearedAt = Date.now();
    expect(await shown.getAttribute("class")).toContain("toast--critical");
    expect(await shown.getAttribute("role")).toBe("alert");
    expect(await shown.locator(".toast-title").textContent()).toBe("GPU critical");
    expect(await shown.locator(".toast-body").textContent()).toContain("gpu-node-7 GPU 3");
    await adminPage.locator("#badge:not([hidden])").waitFor();
    expect(await badge(adminPage).textContent()).toBe("1");
    await pages.screenshot(adminPage, "2-critical-toast");

    // Past the job toasts' expiry it is still up: the per-category setting applies.
    await adminPage.waitForTimeout(JOB_TOAST_MS + 500 - (Date.now() - appearedAt));
    expect(await shown.isVisible()).toBe(true);
    await shown.waitFor({ state: "detached", timeout: SYSTEM_TOAST_MS + 3000 });
    expect(Date.now() - appearedAt).toBeGreaterThanOrEqual(SYSTEM_TOAST_MS - 300);
    // Admin-only: the plain user saw nothing of it.
    expect(await bellUnread(userPage)).toBe("0");
    expect(await toast(userPage).count()).toBe(0);
    await adminPage.close();
  });

  it("do-not-disturb, switched on in the settings panel, holds a new notification (no toast) until switched off", async () => {
    await userPage.locator("#settings-button").click();
    await userPage.locator("#settings-panel").waitFor();
    const saved = userPage.waitForResponse((r) => r.url().endsWith("/api/v1/notifications/settings") && r.request().method() === "PUT");
    await userPage.locator("label.switch:has(#dnd-toggle)").click();
    expect((await saved).status()).toBe(200);
    await userPage.locator("#dnd-indicator").waitFor();
    expect(await userPage.locator("#dnd-toggle").isChecked()).toBe(true);
    await pages.screenshot(userPage, "3-dnd-on");

    const held = await send({ type: "job.completed", payload: { ownerUserId: user, jobName: "overnight-train" } });
    await eventually(
      async () =>
        (await stack.db.query("SELECT status FROM notifications WHERE event_id = $1", [held]))[0]?.status === "held" ? true : undefined,
      10_000,
      "the notification held for DND",
    );
    // Routed and held: nothing reached the page.
    await userPage.waitForTimeout(200);
    expect(await toast(userPage).count()).toBe(0);
    expect(await bellUnread(userPage)).toBe("0");

    await userPage.locator("label.switch:has(#dnd-toggle)").click();
    await userPage.locator("#dnd-indicator").waitFor({ state: "hidden" });
    const released = toast(userPage).first();
    await released.waitFor();
    expect(await released.locator(".toast-body").textContent()).toBe("overnight-train completed");
    await userPage.locator('#bell[data-unread="1"]').waitFor();

    await userPage.locator("#bell").click();
    await userPage.locator("#panel").waitFor();
    expect(await userPage.locator("#list li .item-body").allTextContents()).toEqual(["overnight-train completed", `${XSS} completed`]);
    await pages.screenshot(userPage, "4-after-dnd");
    await userPage.getByRole("button", { name: "Mark all read" }).click();
    await userPage.locator('#bell[data-unread="0"]').waitFor();
    expect(await userPage.locator("#list li.item--unread").count()).toBe(0);

    // The activity feed below has caught up with both events, newest first.
    await userPage.locator('#activity-list li .event-subject >> text="overnight-train"').waitFor();
    expect(await userPage.locator("#activity-list .event-subject").allTextContents()).toEqual(["overnight-train", XSS]);
    await userPage.keyboard.press("Escape");
    // The pointer rested on Mark all read, where the toasts come back once the panel closes: hovering holds a
    // toast open, so it would stay. Away from them, as a person moves on.
    await userPage.mouse.move(10, 700);
    await pages.screenshot(userPage, "5-activity");
  });

  it("a long list loads its older page when scrolled to the end (newest first, no repeats, no button), and Mark all read clears the badge", async () => {
    const reader = "web-reader";
    const total = 25;
    const res = await publish(
      stack.service("ingest").url,
      producer,
      {
        events: Array.from({ length: total }, (_, i) => ({
          type: "job.completed",
          payload: { ownerUserId: reader, jobName: `batch-${i}` },
        })),
      },
      { path: "/batch" },
    );
    expect(res.status).toBe(202);
    await eventually(
      async () =>
        (await stack.db.query("SELECT 1 FROM notifications WHERE user_id = $1 AND status = 'delivered'", [reader])).length === total
          ? true
          : undefined,
      10_000,
      "all routed",
    );

    const page = await newPage();
    await signIn(page, userToken(reader));
    expect(await page.locator("#badge").textContent()).toBe(String(total));
    const pageRequests: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/v1/notifications") pageRequests.push(new URL(r.url()).search);
    });
    await page.locator("#bell").click();
    await page.locator("#panel").waitFor();
    // The first page fills the panel: nothing more is asked for until the end of the list is in view.
    await page.waitForTimeout(300);
    expect(await page.locator("#list li").count()).toBe(20);
    expect(pageRequests).toEqual([]);
    expect(await page.locator("#panel button", { hasText: /load more/i }).count()).toBe(0);
    await page.locator("#list li").last().scrollIntoViewIfNeeded();
    await page.locator("#list li:nth-child(25)").waitFor();
    expect(pageRequests).toHaveLength(1);
    expect(pageRequests[0]).toContain("cursor=");
    await page.locator("#list-status", { hasText: "That's all." }).waitFor();
    const bodies = await page.locator("#list li .item-body").allTextContents();
    expect(bodies).toEqual(Array.from({ length: total }, (_, i) => `batch-${total - 1 - i} completed`));
    expect(await page.locator("#list li.item--unread").count()).toBe(total);
    await pages.screenshot(page, "6-long-list");

    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.locator('#bell[data-unread="0"]').waitFor();
    expect(await page.locator("#list li.item--unread").count()).toBe(0);
    expect(await page.locator("#badge").isHidden()).toBe(true);
    await page.close();
  });

  const forgiveRefusals = () => pages.forgive(400);

  const api = async (method: string, apiPath: string, body?: unknown) => {
    const res = await fetch(`${gateway}/api/v1/notifications${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${userToken(user)}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("Preferences lists every event type by category; unticking in-app mutes job.completed at once, and it toasts no more while review.approved still does", async () => {
    await userPage.locator("#preferences-button").click();
    await userPage.locator("#preferences").waitFor();
    expect(await userPage.locator("#activity").isHidden()).toBe(true);
    const row = userPage.locator('#preferences li[data-event-type="job.completed"]');
    await row.waitFor();
    const { body: listed } = await api("GET", "/preferences");
    const types = (listed.items as { eventType: string }[]).map((p) => p.eventType);
    expect(
      await userPage.locator("#preferences li.pref").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event-type"))),
    ).toEqual(types);
    expect(await userPage.locator("#preferences .pref-group h2").allTextContents()).toEqual(["job", "review", "system", "collaboration"]);
    expect(await row.locator('input[value="in_app"]').isChecked()).toBe(true);
    expect(await row.locator("select").inputValue()).toBe("my_jobs");
    expect(await row.getAttribute("data-default")).toBe("true");

    const saved = userPage.waitForResponse((r) => r.url().endsWith("/preferences/job.completed") && r.request().method() === "PUT");
    await row.locator('label:has(input[value="in_app"])').click();
    const response = await saved;
    expect(response.status()).toBe(200);
    expect(response.request().postDataJSON()).toEqual({ channels: [] });
    // The row is redrawn from the answer: stored, muted, no longer the default.
    await userPage.locator('#preferences li[data-event-type="job.completed"][data-default="false"]').waitFor();
    expect(await row.locator('input[value="in_app"]').isChecked()).toBe(false);
    expect(await row.locator(".chip").allTextContents()).toEqual(["muted"]);
    const stored = (await api("GET", "/preferences")).body.items.find((p: { eventType: string }) => p.eventType === "job.completed");
    expect(stored).toMatchObject({ enabled: true, channels: [], scope: "my_jobs", isDefault: false });
    await pages.screenshot(userPage, "7-preferences", { fullPage: true });

    // One batch, the muted type first: once review.approved's toast is up, job.completed was routed too.
    const res = await publish(
      stack.service("ingest").url,
      producer,
      {
        events: [
          { type: "job.completed", payload: { ownerUserId: user, jobName: "muted-job" } },
          { type: "review.approved", payload: { contentOwnerUserId: user } },
        ],
      },
      { path: "/batch" },
    );
    expect(res.status).toBe(202);
    const shown = toast(userPage).first();
    await shown.waitFor();
    expect(await shown.locator(".toast-kicker").textContent()).toBe("review.approved");
    await userPage.waitForTimeout(300);
    expect(
      await userPage.locator("#toasts .toast").evaluateAll((toasts) => toasts.map((t) => t.querySelector(".toast-kicker")?.textContent)),
    ).toEqual(["review.approved"]);
    expect(await userPage.locator("#bell").getAttribute("data-unread")).toBe("1");
    await shown.locator(".toast-close").click();
  });

  it("a refused preference change shows the gateway's message and puts the control back", async () => {
    const route = `${gateway}/api/v1/notifications/preferences/review.comment`;
    await userPage.route(route, (r) =>
      r.fulfill({
        status: 400,
        contentType: "application/json",
        body: JSON.stringify({
          error: { code: "invalid_body", message: "invalid field(s): scope", details: [{ path: "scope", message: "<b>nope</b>" }] },
        }),
      }),
    );
    try {
      const row = userPage.locator('#preferences li[data-event-type="review.comment"]');
      await row.locator("select").selectOption("all");
      await row.locator(".error").waitFor();
      expect(await row.locator(".error").textContent()).toBe("Could not save: invalid field(s): scope — scope: <b>nope</b>");
      expect(await row.locator("select").inputValue()).toBe("my_jobs");
      expect(await userPage.locator("#preferences b").count()).toBe(0);
    } finally {
      await userPage.unroute(route);
    }
    forgiveRefusals();
  });

  it("a type the organization requires is shown locked, with the reason, and cannot be switched off or muted", async () => {
    // The tenant's admin requires review.rejected, in-app only, through ingest's operator API.
    const admin = userToken("org-admin", "admin");
    const required = await fetch(`${stack.service("ingest").url}/api/v1/admin/tenant/preferences/review.rejected`, {
      method: "PUT",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ required: true, enabled: true, channels: ["in_app"] }),
    });
    expect(required.status).toBe(200);
    const page = await newPage();
    await signIn(page, userToken(user));
    await page.locator("#preferences-button").click();
    const row = page.locator('#preferences li[data-event-type="review.rejected"]');
    await row.waitFor();
    expect(await row.locator(".chip").allTextContents()).toEqual(["required"]);
    expect(await row.locator(".pref-reason").textContent()).toBe(
      "Your organization requires this type: it cannot be switched off or muted",
    );
    const enabled = row.locator('input[data-control="enabled"]');
    expect(await enabled.isChecked()).toBe(true);
    expect(await enabled.isDisabled()).toBe(true);
    const inApp = row.locator('input[value="in_app"]');
    expect(await inApp.isChecked()).toBe(true);
    expect(await inApp.isDisabled()).toBe(true);
    // Another channel may still be added: only switching off and muting are locked.
    expect(await row.locator('input[value="email"]').isDisabled()).toBe(false);
    // A click on the switch changes nothing, and nothing is sent.
    let puts = 0;
    page.on("request", (r) => {
      if (r.method() === "PUT" && r.url().endsWith("/preferences/review.rejected")) puts++;
    });
    await row.locator("label.switch").click({ force: true });
    await page.waitForTimeout(300);
    expect(await enabled.isChecked()).toBe(true);
    expect(puts).toBe(0);
    const stored = (await api("GET", "/preferences")).body.items.find((p: { eventType: string }) => p.eventType === "review.rejected");
    expect(stored).toMatchObject({ enabled: true, channels: ["in_app"], required: true });
    await pages.screenshot(page, "8-preferences-required", { fullPage: true });
    await page.close();
  });

  it("settings: digest on/off and interval save at once; a new webhook URL shows its secret once; a bad email shows the gateway's 400 message", async () => {
    await userPage.locator("#preferences-close").click();
    await userPage.locator("#activity").waitFor();
    await userPage.locator("#settings-button").click();
    await userPage.locator("#settings-panel").waitFor();
    const settingsPut = () =>
      userPage.waitForResponse((r) => r.url().endsWith("/api/v1/notifications/settings") && r.request().method() === "PUT");

    let saved = settingsPut();
    await userPage.locator("label.switch:has(#digest-toggle)").click();
    expect((await saved).request().postDataJSON()).toEqual({ digestEnabled: true });
    saved = settingsPut();
    await userPage.locator("#digest-interval").selectOption("hourly");
    expect((await saved).request().postDataJSON()).toEqual({ digestInterval: "hourly" });
    expect((await api("GET", "/settings")).body).toMatchObject({ digestEnabled: true, digestInterval: "hourly" });
    saved = settingsPut();
    await userPage.locator("label.switch:has(#digest-toggle)").click();
    expect((await saved).request().postDataJSON()).toEqual({ digestEnabled: false });
    expect((await api("GET", "/settings")).body).toMatchObject({ digestEnabled: false, digestInterval: "hourly" });
    expect(await userPage.locator("#digest-toggle").isChecked()).toBe(false);

    const url = "https://hooks.example.com/x";
    await userPage.locator("#webhook-input").fill(url);
    saved = settingsPut();
    await userPage.locator("#delivery-save").click();
    expect((await saved).status()).toBe(200);
    await userPage.locator("#webhook-secret-box").waitFor();
    expect(await userPage.locator("#webhook-secret").inputValue()).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(await userPage.locator("#webhook-secret").getAttribute("readonly")).not.toBeNull();
    expect(await userPage.locator("#webhook-secret-box").textContent()).toContain("will not be shown again");
    expect((await api("GET", "/settings")).body).toMatchObject({ webhookUrl: url, webhookSecretSet: true });
    await pages.screenshot(userPage, "8-webhook-secret");

    // The same URL again: nothing new to show.
    saved = settingsPut();
    await userPage.locator("#delivery-save").click();
    const again = await saved;
    expect(again.status()).toBe(200);
    expect((await again.json()).webhookSecret).toBeUndefined();
    expect(await userPage.locator("#webhook-secret-box").isHidden()).toBe(true);
    expect(await userPage.locator("#webhook-secret").inputValue()).toBe("");
    expect(await userPage.locator("#webhook-state").isVisible()).toBe(true);

    // A bad email: the gateway's own message, and nothing stored.
    const { status, body: refused } = await api("PUT", "/settings", { email: "not-an-email", webhookUrl: url });
    expect(status).toBe(400);
    await userPage.locator("#email-input").fill("not-an-email");
    saved = settingsPut();
    await userPage.locator("#delivery-save").click();
    expect((await saved).status()).toBe(400);
    await userPage.locator("#delivery-error").waitFor();
    const shown = await userPage.locator("#delivery-error").textContent();
    expect(shown).toContain(refused.error.message);
    expect(shown).toContain("email: must be an email address");
    expect(await userPage.locator("#email-input").inputValue()).toBe("not-an-email");
    expect((await api("GET", "/settings")).body.email).toBeNull();
    await pages.screenshot(userPage, "9-bad-email");
    forgiveRefusals();
  });
});
