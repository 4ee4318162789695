import type { Page } from "playwright-core";
import { seriousViolations } from "../support/axe";
import { launchBrowser, type Browser } from "../support/browser";
import { api, eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";
import { WebPages } from "../support/web-pages";

const DIGEST_MS = 2500;
/** Long enough that no toast expires while a test looks at it. */
const TOAST_MS = 30_000;
const VIEWPORT = { width: 1280, height: 800 };
/** The throttle's window (THROTTLE_WINDOW_MS): short, so its summary comes within the test. */
const THROTTLE_MS = 4000;

/** The colours app.css gives each category (toast edge, chips, filters), as getComputedStyle reports them. */
const CATEGORY_RGB = {
  job: "rgb(26, 79, 168)",
  review: "rgb(27, 107, 47)",
  collaboration: "rgb(106, 63, 181)",
  digest: "rgb(0, 103, 111)",
  critical: "rgb(198, 40, 40)",
};

/**
 * Wraps the Notifications API before the page's own script runs: every system notification the page shows is
 * recorded (title, options, the instance, to click it), and so is every permission request. `__herald.hidden` makes
 * the document report itself hidden, as a tab in the background does.
 */
const NOTIFICATION_RECORDER = `(() => {
  const Native = window.Notification;
  const state = { shown: [], requests: 0, hidden: false };
  class Recorded extends Native {
    constructor(title, options) {
      super(title, options);
      state.shown.push({ title, body: options && options.body, tag: options && options.tag, instance: this });
    }
    static get permission() { return Native.permission; }
    static requestPermission() { state.requests += 1; return Native.requestPermission(); }
  }
  Object.defineProperty(window, "Notification", { value: Recorded, configurable: true, writable: true });
  Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => (state.hidden ? "hidden" : "visible") });
  window.__herald = state;
})();`;

/**
 * The notification center's second-wave features in a real headless Chromium against real ingest, router, gateway
 * and digest-scheduler processes: links, groups, progress and actions come from real events through the real
 * pipeline, and acting is the gateway's real endpoint. Only what the real servers never send (a `javascript:` link,
 * which ingest refuses; an action the gateway no longer offers) is put into the gateway's real list answer by
 * Playwright (page.route), as a hostile or stale server would answer.
 */
describe("web UI: the notification center's toasts, list, filter, links, actions, do-not-disturb and browser notifications", () => {
  let stack: TestStack;
  let browser: Browser;
  let gateway: string;
  let pages: WebPages;
  const producer = producerToken();

  beforeAll(async () => {
    stack = await TestStack.create({
      TOAST_EXPIRE_MS: String(TOAST_MS),
      SCHEDULER_TICK_MS: "250",
      DIGEST_HOURLY_MS: String(DIGEST_MS),
      // Off unless a tenant sets a limit (only the throttle test's does).
      THROTTLE_WINDOW_MS: String(THROTTLE_MS),
    });
    await stack.start("router");
    await Promise.all([stack.start("ingest"), stack.start("realtime-gateway"), stack.start("digest-scheduler")]);
    gateway = stack.service("realtime-gateway").url;
    // Away from UTC, so that "local time" means something in the do-not-disturb test.
    browser = await launchBrowser({ viewport: VIEWPORT, timezoneId: "Europe/Berlin", locale: "en-GB" });
    await browser.context.addInitScript(NOTIFICATION_RECORDER);
    // Screenshots in test-artifacts/web/notification-center/.
    pages = new WebPages(browser.context, gateway, "notification-center");
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  afterEach(() => {
    expect(pages.errors).toEqual([]);
  });

  const send = async (event: Record<string, unknown>): Promise<string> => {
    const res = await publish(stack.service("ingest").url, producer, event);
    expect(res.status).toBe(202);
    return res.body!.id as string;
  };

  const sendBatch = async (events: Record<string, unknown>[]): Promise<string[]> => {
    const res = await publish(stack.service("ingest").url, producer, { events }, { path: "/batch" });
    expect(res.status).toBe(202);
    return res.body!.ids as string[];
  };

  /** The ids of a user's notifications for these events, once all are stored and pushed, in the events' order. */
  const notificationIds = (userId: string, eventIds: readonly string[]): Promise<number[]> =>
    eventually(
      async () => {
        const rows = await stack.db.query(
          "SELECT id, event_id FROM notifications WHERE user_id = $1 AND event_id = ANY($2) AND status = 'delivered'",
          [userId, eventIds],
        );
        if (rows.length < eventIds.length) return undefined;
        return eventIds.map((e) => Number(rows.find((r) => r.event_id === e)!.id));
      },
      10_000,
      `${eventIds.length} notification(s) of ${userId}`,
    );

  const unreadCount = async (userId: string): Promise<number> =>
    (await api(gateway, userToken(userId), "GET", "/api/v1/notifications/unread-count")).body.count;

  const openPanel = async (page: Page) => {
    await page.locator("#bell").click();
    await page.locator("#panel").waitFor();
  };

  const row = (page: Page, id: number) => page.locator(`#list li[data-id="${id}"]`);

  it("toasts stack in the top right corner, newest on top, coloured by category; a critical one is an alert, the others status; × dismisses", async () => {
    const admin = "nc-admin";
    const page = await pages.newPage();
    await pages.signIn(page, userToken(admin, "admin"));
    const toasts = page.locator("#toasts .toast");
    const shown = async (n: number) => {
      await page.locator(`#toasts .toast:nth-child(${n})`).waitFor();
      await page.waitForTimeout(250); // the slide-in (0.18 s) has ended
    };
    // One at a time, so the order they arrive in is known.
    await send({ type: "job.completed", payload: { ownerUserId: admin, jobName: "train-7" } });
    await shown(1);
    await send({ type: "review.approved", payload: { contentOwnerUserId: admin, title: "dataset v3" } });
    await shown(2);
    await send({ type: "collab.mention", payload: { mentionedUserIds: [admin], title: "design doc" } });
    await shown(3);
    // Published without `metric` or `unit`: the reading (94 °C) still shows, in the toast and in the list.
    await send({ type: "system.gpu_critical", payload: { host: "gpu-07", gpuIndex: 3, value: 94, threshold: 90 } });
    await shown(4);

    const described = await toasts.evaluateAll((els) =>
      els.map((el) => {
        const style = (globalThis as any).getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {
          category: el.getAttribute("data-category"),
          role: el.getAttribute("role"),
          critical: el.classList.contains("toast--critical"),
          edge: style.borderLeftColor,
          background: style.backgroundColor,
          body: el.querySelector(".toast-body")?.textContent,
          box: { top: box.top, bottom: box.bottom, right: box.right, left: box.left },
        };
      }),
    );
    // Newest on top.
    expect(described.map((t) => t.category)).toEqual(["system", "collaboration", "review", "job"]);
    expect(described.map((t) => t.role)).toEqual(["alert", "status", "status", "status"]);
    expect(described[0]).toMatchObject({
      critical: true,
      background: CATEGORY_RGB.critical,
      body: "gpu-07 GPU 3 temperature 94 °C (threshold 90 °C)",
    });
    expect(described.slice(1).map((t) => t.edge)).toEqual([CATEGORY_RGB.collaboration, CATEGORY_RGB.review, CATEGORY_RGB.job]);
    expect(described.slice(1).every((t) => t.background === "rgb(255, 255, 255)")).toBe(true);
    // Top right: against the right edge, just under the 56 px header, each below the one before without overlap.
    for (const t of described) {
      expect(VIEWPORT.width - t.box.right).toBeGreaterThanOrEqual(8);
      expect(VIEWPORT.width - t.box.right).toBeLessThanOrEqual(24);
    }
    expect(described[0]!.box.top).toBeGreaterThanOrEqual(56);
    expect(described[0]!.box.top).toBeLessThan(80);
    for (let i = 1; i < described.length; i++) expect(described[i]!.box.top).toBeGreaterThanOrEqual(described[i - 1]!.box.bottom);
    await pages.screenshot(page, "1-toasts-by-category");

    // The aria-live region holds them: a screen reader hears the critical one at once, the others politely.
    expect(await page.locator("#toasts").getAttribute("aria-live")).toBe("polite");
    await page.locator('#toasts .toast[data-category="review"] .toast-close').click();
    await page.locator('#toasts .toast[data-category="review"]').waitFor({ state: "detached" });
    expect(await toasts.evaluateAll((els) => els.map((el) => el.getAttribute("data-category")))).toEqual([
      "system",
      "collaboration",
      "job",
    ]);

    // The alert's row in the list reads the same, reading and unit included, both from the push and from the REST
    // list after a reload.
    const alertRow = '#list li[data-category="system"] .item-body';
    await openPanel(page);
    expect(await page.locator(alertRow).textContent()).toBe("gpu-07 GPU 3 temperature 94 °C (threshold 90 °C)");
    await page.reload();
    await page.locator('#status[data-status="live"]').waitFor();
    await openPanel(page);
    await page.locator(alertRow).waitFor();
    expect(await page.locator(alertRow).textContent()).toBe("gpu-07 GPU 3 temperature 94 °C (threshold 90 °C)");
    await page.close();
  });

  it("a digest toasts in its own colour", async () => {
    const digester = "nc-digester";
    const token = userToken(digester);
    expect(
      (await api(gateway, token, "PUT", "/api/v1/notifications/settings", { digestEnabled: true, digestInterval: "hourly" })).status,
    ).toBe(200);
    const page = await pages.newPage();
    await pages.signIn(page, token);
    await send({ type: "job.completed", payload: { ownerUserId: digester, jobName: "summarized" } });
    const digest = page.locator('#toasts .toast[data-category="digest"]');
    await digest.waitFor({ timeout: DIGEST_MS + 10_000 });
    await page.waitForTimeout(250);
    expect(await digest.evaluate((el) => (globalThis as any).getComputedStyle(el).borderLeftColor)).toBe(CATEGORY_RGB.digest);
    expect(await digest.getAttribute("role")).toBe("status");
    expect(await page.locator('#toasts .toast[data-category="job"]').count()).toBe(0);
    await pages.screenshot(page, "2-digest-toast");
    await page.close();
  });

  it("clicking a toast opens the panel at its notification, and the panel stays open", async () => {
    const user = "nc-toast-clicker";
    const page = await pages.newPage();
    await pages.signIn(page, userToken(user));
    const [eventId] = [await send({ type: "job.failed", payload: { ownerUserId: user, jobName: "etl", error: "OOM" } })];
    const [id] = await notificationIds(user, [eventId!]);
    await page.locator("#toasts .toast .toast-main").click();
    await page.locator("#panel").waitFor();
    await page.waitForTimeout(300);
    expect(await page.locator("#panel").isVisible()).toBe(true);
    expect(await page.locator("#bell").getAttribute("aria-expanded")).toBe("true");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.closest("li")?.dataset.id)).toBe(String(id));
    expect(await page.locator("#toasts .toast").count()).toBe(0);
    await page.close();
  });

  it("the badge reads 99+ past 99 unread, with the exact count for screen readers", async () => {
    const busy = "nc-busy";
    await sendBatch(Array.from({ length: 100 }, (_, i) => ({ type: "job.completed", payload: { ownerUserId: busy, jobName: `n-${i}` } })));
    await eventually(async () => ((await unreadCount(busy)) === 100 ? true : undefined), 10_000, "100 unread");
    const page = await pages.newPage();
    await pages.signIn(page, userToken(busy));
    await page.locator('#bell[data-unread="100"]').waitFor();
    expect(await page.locator("#badge").textContent()).toBe("99+");
    expect(await page.locator("#bell").getAttribute("aria-label")).toBe("Notifications, 100 unread");
    await page.close();
  });

  it("the category filter lists one category through the gateway's category query, takes matching pushes only, and All lists everything again", async () => {
    const user = "nc-filterer";
    await sendBatch([
      { type: "job.completed", payload: { ownerUserId: user, jobName: "j1" } },
      { type: "review.approved", payload: { contentOwnerUserId: user, title: "r1" } },
      { type: "collab.mention", payload: { mentionedUserIds: [user], title: "c1" } },
      { type: "review.rejected", payload: { contentOwnerUserId: user, title: "r2", reason: "typo" } },
    ]);
    await eventually(async () => ((await unreadCount(user)) === 4 ? true : undefined), 10_000, "4 unread");
    const page = await pages.newPage();
    const listQueries: string[] = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.pathname === "/api/v1/notifications") listQueries.push(url.search);
    });
    await pages.signIn(page, userToken(user));
    await openPanel(page);
    const categories = () => page.locator("#list li").evaluateAll((els) => els.map((el) => el.getAttribute("data-category")));
    expect(await categories()).toEqual(["review", "collaboration", "review", "job"]);
    expect(await page.locator("#category-filter button").allTextContents()).toEqual([
      "All",
      "Jobs",
      "Reviews",
      "System",
      "Collaboration",
      "Digests",
    ]);
    expect(await page.locator('#category-filter button[aria-pressed="true"]').textContent()).toBe("All");

    await page.locator("#category-filter").getByRole("button", { name: "Reviews" }).click();
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("#list li").length === 2);
    expect(await categories()).toEqual(["review", "review"]);
    expect(listQueries.at(-1)).toContain("category=review");
    expect(await page.locator('#category-filter button[aria-pressed="true"]').textContent()).toBe("Reviews");
    // The panel stayed open through it.
    expect(await page.locator("#panel").isVisible()).toBe(true);

    // While filtered, a job's push is a toast but not a row; a review's is both.
    await send({ type: "job.completed", payload: { ownerUserId: user, jobName: "j2" } });
    await page.locator('#toasts .toast[data-category="job"]').waitFor();
    await send({ type: "review.comment", payload: { contentOwnerUserId: user, title: "r3", comment: "nice" } });
    await page.locator('#toasts .toast[data-category="review"]').waitFor();
    await page.locator('#list li:has-text("New comment on r3: nice")').waitFor();
    expect(await categories()).toEqual(["review", "review", "review"]);
    await pages.screenshot(page, "3-filter-reviews");

    await page.locator("#category-filter").getByRole("button", { name: "System" }).click();
    await page.locator("#list-empty", { hasText: "No system notifications." }).waitFor();
    expect(listQueries.at(-1)).toContain("category=system");
    expect(await page.locator("#list li").count()).toBe(0);

    await page.locator("#category-filter").getByRole("button", { name: "All" }).click();
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("#list li").length === 6);
    expect(listQueries.at(-1)).not.toContain("category=");
    expect(await categories()).toEqual(["review", "job", "review", "collaboration", "review", "job"]);
    await page.close();
  });

  it("clicking a row marks it read and keeps the panel open; with a url it then goes there (https or a path here), a javascript: url is not followed", async () => {
    const user = "nc-clicker";
    const eventIds = await sendBatch([
      { type: "job.completed", payload: { ownerUserId: user, jobName: "plain" } },
      { type: "job.failed", payload: { ownerUserId: user, jobName: "evil-link" } },
      { type: "job.completed", url: "https://ci.example.com/runs/7", payload: { ownerUserId: user, jobName: "elsewhere" } },
      { type: "job.completed", url: "/jobs/42?tab=logs", payload: { ownerUserId: user, jobName: "here" } },
    ]);
    const [plain, evil, elsewhere, here] = await notificationIds(user, eventIds);
    // Ingest refuses a javascript: url (400): only a hostile server could send one.
    const refused = await publish(stack.service("ingest").url, producer, {
      type: "job.failed",
      url: "javascript:window.__pwned=1",
      payload: { ownerUserId: user },
    });
    expect(refused.status).toBe(400);
    const page = await pages.newPage();
    await pages.serveExtras(page, { [evil!]: { url: "javascript:window.__pwned=1" } });
    // Where the links lead, served by the test (the machine has no network).
    await page.route("https://ci.example.com/runs/7", (r) => r.fulfill({ contentType: "text/html", body: "<title>CI run 7</title>" }));
    await page.route(`${gateway}/jobs/42?tab=logs`, (r) => r.fulfill({ contentType: "text/html", body: "<title>Job 42</title>" }));
    await pages.signIn(page, userToken(user));
    await openPanel(page);
    expect(await row(page, here!).locator(".item-link").textContent()).toBe("↗ /jobs/42");
    expect(await row(page, elsewhere!).locator(".item-link").textContent()).toBe("↗ ci.example.com");
    expect(await row(page, evil!).locator(".item-link").count()).toBe(0);
    expect(await row(page, plain!).locator(".item-link").count()).toBe(0);

    // No link: read, and the panel stays open (it used to close: the click redrew the row out of the DOM first).
    await row(page, plain!).locator(".item-button").click();
    await page.locator(`#list li[data-id="${plain}"][data-read="true"]`).waitFor();
    await page.waitForTimeout(300);
    expect(await page.locator("#panel").isVisible()).toBe(true);
    expect(page.url()).toBe(`${gateway}/`);

    // javascript: is not followed, and runs nothing.
    await row(page, evil!).locator(".item-button").click();
    await page.locator(`#list li[data-id="${evil}"][data-read="true"]`).waitFor();
    await page.waitForTimeout(300);
    expect(page.url()).toBe(`${gateway}/`);
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    expect(await page.locator("#panel").isVisible()).toBe(true);
    await pages.screenshot(page, "4-links");

    // https elsewhere: marked read (stored, not just drawn), then followed.
    await Promise.all([page.waitForURL("https://ci.example.com/runs/7"), row(page, elsewhere!).locator(".item-button").click()]);
    expect(await unreadCount(user)).toBe(1);

    // Back on the page (the token is still in this tab's session storage): a path on this origin.
    await page.goto(`${gateway}/`);
    await page.locator('#status[data-status="live"]').waitFor();
    await openPanel(page);
    await row(page, here!).waitFor();
    await Promise.all([page.waitForURL(`${gateway}/jobs/42?tab=logs`), row(page, here!).locator(".item-button").click()]);
    expect(await unreadCount(user)).toBe(0);
    await page.close();
  });

  it("a group updates its toast and row in place (same id, count and summary, the unread count unchanged); a job's progress is one row with its last value", async () => {
    const user = "nc-grouper";
    const page = await pages.newPage();
    await pages.signIn(page, userToken(user));
    const completed = (jobName: string) => ({
      type: "job.completed",
      projectId: "p-7",
      groupKey: "nightly",
      payload: { ownerUserId: user, jobName },
    });
    await send(completed("job-0"));
    const toast = page.locator("#toasts .toast");
    await toast.waitFor();
    const id = Number(await toast.getAttribute("data-id"));
    expect(await page.locator("#badge").textContent()).toBe("1");

    // Two more of the group, one at a time: the same toast, redrawn with the summary; still one unread.
    await send(completed("job-1"));
    await page.locator("#toasts .toast-title", { hasText: "2 jobs completed in p-7" }).waitFor();
    await send(completed("job-2"));
    await page.locator("#toasts .toast-title", { hasText: "3 jobs completed in p-7" }).waitFor();
    expect(await toast.evaluateAll((els) => els.map((el) => el.getAttribute("data-id")))).toEqual([String(id)]);
    expect(await page.locator("#badge").textContent()).toBe("1");
    expect(await unreadCount(user)).toBe(1);

    await openPanel(page);
    expect(await page.locator("#list li").count()).toBe(1);
    expect(await row(page, id).locator(".chip--count").textContent()).toBe("×3 (3 grouped)");
    expect(await row(page, id).locator(".item-title").textContent()).toBe("3 jobs completed in p-7");

    // Ten progress reports of one job, the panel open: one row, at the last value.
    const started = Date.now();
    await sendBatch(
      Array.from({ length: 10 }, (_, i) => ({
        type: "job.progress",
        occurredAt: new Date(started + i).toISOString(),
        source: { type: "job", id: "train-1" },
        payload: { ownerUserId: user, jobName: "train", percent: (i + 1) * 10 },
      })),
    );
    const progress = page.locator('#list li:has(.item-body:text-is("train is 100% done"))');
    await progress.waitFor();
    expect(await page.locator("#list li").count()).toBe(2);
    expect(await progress.locator(".chip--count").textContent()).toBe("×10 (10 grouped)");
    await pages.screenshot(page, "5-group-in-place");

    // The list after a reload says the same.
    await page.reload();
    await page.locator('#status[data-status="live"]').waitFor();
    await openPanel(page);
    await progress.waitFor();
    expect(await page.locator("#list li").count()).toBe(2);
    expect(await row(page, id).locator(".item-title").textContent()).toBe("3 jobs completed in p-7");
    expect(await unreadCount(user)).toBe(2);
    await page.close();
  });

  it("actions from a real event: buttons as sent; the gateway's 202 marks it done and read and publishes one notification.action; an action it no longer offers is its 404, said plainly", async () => {
    const user = "nc-actor";
    const [reviewEvent] = await sendBatch([
      {
        type: "review.submitted",
        actorUserId: "author",
        url: "/reviews/12",
        actions: [
          { id: "approve", label: "Approve" },
          { id: "reject", label: "Reject" },
        ],
        payload: { contentOwnerUserId: "author", reviewerUserIds: [user], title: "PR 12" },
      },
    ]);
    const [review] = await notificationIds(user, [reviewEvent!]);
    const page = await pages.newPage();
    // A stale list still offering an action the gateway no longer has.
    await pages.serveExtras(page, {
      [review!]: {
        actions: [
          { id: "approve", label: "Approve" },
          { id: "reject", label: "Reject" },
          { id: "escalate", label: "Escalate" },
        ],
      },
    });
    await pages.signIn(page, userToken(user));
    await openPanel(page);
    const actions = row(page, review!).locator(".item-actions button");
    expect(await actions.allTextContents()).toEqual(["Approve", "Reject", "Escalate"]);
    expect(await row(page, review!).locator(".item-link").textContent()).toBe("↗ /reviews/12");

    const posted: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST") posted.push(new URL(r.url()).pathname);
    });
    const refused = page.waitForResponse((r) => r.url().endsWith(`/api/v1/notifications/${review}/actions/escalate`));
    await actions.nth(2).click();
    expect((await refused).status()).toBe(404);
    const error = row(page, review!).locator(".item-error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(
      /^“Escalate” is not available: the gateway does not offer this action \(.*\(not_found\)\)\.$/,
    );
    expect(await error.getAttribute("role")).toBe("alert");
    expect(await actions.nth(2).isEnabled()).toBe(true);
    expect(await row(page, review!).getAttribute("data-read")).toBe("false");
    expect(await page.locator("#panel").isVisible()).toBe(true);
    pages.forgive(404);
    await pages.screenshot(page, "6-action-refused");

    // The real endpoint: 202, the button says it is done, the row is read; no /read was posted, and the link was
    // not followed (the buttons act, the row opens).
    const accepted = page.waitForResponse((r) => r.url().endsWith(`/api/v1/notifications/${review}/actions/reject`));
    await actions.nth(1).click();
    expect((await accepted).status()).toBe(202);
    await page.locator(`#list li[data-id="${review}"][data-read="true"]`).waitFor();
    expect(await actions.allTextContents()).toEqual(["Approve", "✓ Reject", "Escalate"]);
    expect(await actions.evaluateAll((els) => els.map((el) => (el as any).disabled))).toEqual([true, true, true]);
    expect(await row(page, review!).locator(".item-error").count()).toBe(0);
    expect(posted).toEqual([`/api/v1/notifications/${review}/actions/escalate`, `/api/v1/notifications/${review}/actions/reject`]);
    expect(page.url()).toBe(`${gateway}/`);
    expect(await unreadCount(user)).toBe(0);
    // One notification.action on the bus, stored by the router, for subscriptions and history.
    const stored = await eventually(
      async () => {
        const rows = await stack.db.query<{ payload: Record<string, unknown> }>(
          `SELECT e.payload FROM events e JOIN event_types t ON t.id = e.event_type_id WHERE t.name = 'notification.action' AND e.payload->>'userId' = $1`,
          [user],
        );
        return rows.length > 0 ? rows : undefined;
      },
      10_000,
      "the notification.action event",
    );
    expect(stored.map((r) => r.payload)).toEqual([{ notificationId: review, eventId: reviewEvent, actionId: "reject", userId: user }]);
    await pages.screenshot(page, "7-action-done");
    await page.close();
  });

  it("a hardware alert: both admins get Acknowledge; one acknowledges from the page, and every admin's copy then says who and when; a repeat is listed but toasts no more", async () => {
    const platform = producerToken("hardware-monitor", ["events:publish:system.*"], "*");
    const [ops, oncall] = ["nc-ops", "nc-oncall"];
    const alert = async (id: string) => {
      const res = await publish(stack.service("ingest").url, platform, {
        id,
        type: "system.gpu_warning",
        tenantId: "acme",
        payload: {
          host: "gpu-7",
          gpuIndex: 0,
          value: 87,
          unit: "C",
          threshold: 85,
          alertId: "nc-a1",
          severity: "warning",
          state: "firing",
        },
      });
      expect(res.status).toBe(202);
    };
    const [opsPage, oncallPage] = [await pages.newPage(), await pages.newPage()];
    await pages.signIn(opsPage, userToken(ops, "admin", { tenant: "acme" }));
    await pages.signIn(oncallPage, userToken(oncall, "admin", { tenant: "acme" }));
    await alert("nc-a1-1");
    const alertRow = (page: Page) => page.locator('#list li[data-category="system"]');
    for (const page of [opsPage, oncallPage]) {
      await page.locator('#toasts .toast[data-category="system"]').waitFor();
      await openPanel(page);
      await alertRow(page).waitFor();
      expect(await alertRow(page).locator(".item-actions button").allTextContents()).toEqual(["Acknowledge"]);
      expect(await alertRow(page).locator(".item-body").textContent()).toBe("gpu-7 GPU 0 temperature 87 °C (threshold 85 °C)");
    }

    // ops acknowledges: done and read, and the row then says who and when (as the gateway stored it).
    await alertRow(opsPage).getByRole("button", { name: "Acknowledge" }).click();
    await alertRow(opsPage).locator(".item-ack").waitFor();
    expect(await alertRow(opsPage).locator(".item-ack").textContent()).toMatch(/^Acknowledged by nc-ops at \d{2}:\d{2}$/);
    expect(await alertRow(opsPage).locator(".item-actions button").allTextContents()).toEqual(["✓ Acknowledge"]);
    expect(await alertRow(opsPage).getAttribute("data-read")).toBe("true");

    // A repeat: oncall hears nothing of it (a mention sent after it toasts, the repeat does not), and the list
    // shows both copies acknowledged by ops.
    await oncallPage.locator("#toasts .toast-close").first().click();
    await alert("nc-a1-2");
    const acme = producerToken("nc-acme-producer", undefined, "acme");
    const mention = await publish(stack.service("ingest").url, acme, {
      type: "collab.mention",
      payload: { mentionedUserIds: [oncall], title: "after the repeat" },
    });
    expect(mention.status).toBe(202);
    await oncallPage.locator('#toasts .toast[data-category="collaboration"]').waitFor();
    expect(await oncallPage.locator('#toasts .toast[data-category="system"]').count()).toBe(0);
    await oncallPage.reload();
    await oncallPage.locator('#status[data-status="live"]').waitFor();
    await openPanel(oncallPage);
    await oncallPage.locator("#list li:nth-child(3)").waitFor();
    const acks = await alertRow(oncallPage).locator(".item-ack").allTextContents();
    expect(acks).toHaveLength(2);
    for (const ack of acks) expect(ack).toMatch(/^Acknowledged by nc-ops at \d{2}:\d{2}$/);
    // Acknowledged for the tenant: oncall's copies no longer offer the button.
    expect(await alertRow(oncallPage).locator(".item-actions button").count()).toBe(0);
    expect(await seriousViolations(oncallPage)).toEqual([]);
    await pages.screenshot(oncallPage, "8-alert-acknowledged");
    await Promise.all([opsPage.close(), oncallPage.close()]);
  });

  it("throttled: past the tenant's limit the rest toast no more but are listed; at the window's end one summary toasts in the digest colour", async () => {
    const user = "nc-flooded";
    const tenant = { tenant: "quiet" };
    const set = await api(
      stack.service("ingest").url,
      userToken("nc-quiet-admin", "admin", tenant),
      "PUT",
      "/api/v1/admin/tenant/settings",
      {
        maxNotificationsPerUserPerHour: 2,
      },
    );
    expect(set.status).toBe(200);
    const page = await pages.newPage();
    await pages.signIn(page, userToken(user, "user", tenant));
    // At the start of a window, so that the five fall in one.
    await page.waitForTimeout(THROTTLE_MS - (Date.now() % THROTTLE_MS) + 100);
    const quiet = producerToken("nc-quiet-producer", undefined, "quiet");
    const burst = await publish(
      stack.service("ingest").url,
      quiet,
      { events: Array.from({ length: 5 }, (_, i) => ({ type: "job.completed", payload: { ownerUserId: user, jobName: `flood-${i}` } })) },
      { path: "/batch" },
    );
    expect(burst.status).toBe(202);

    // One toast for the summary, in the digest colour, once the window is over; two before it.
    const summary = page.locator('#toasts .toast[data-category="digest"]');
    await summary.waitFor({ timeout: 3 * THROTTLE_MS });
    expect(await summary.locator(".toast-title").textContent()).toBe("3 notifications held back");
    expect(await summary.evaluate((el) => (globalThis as any).getComputedStyle(el).borderLeftColor)).toBe(CATEGORY_RGB.digest);
    expect(await page.locator('#toasts .toast[data-category="job"]').count()).toBe(2);
    // Every one of them is listed, the summary on top; the badge counts them all.
    await openPanel(page);
    await page.reload();
    await page.locator('#status[data-status="live"]').waitFor();
    await openPanel(page);
    await page.locator("#list li:nth-child(6)").waitFor();
    expect(await page.locator("#list li").first().getAttribute("data-category")).toBe("digest");
    expect(await page.locator("#list li .item-body").allTextContents()).toEqual(
      expect.arrayContaining(["flood-0 completed", "flood-1 completed", "flood-2 completed", "flood-3 completed", "flood-4 completed"]),
    );
    const unread = await api(gateway, userToken(user, "user", tenant), "GET", "/api/v1/notifications/unread-count");
    expect(unread.body.count).toBe(6);
    expect(await page.locator("#badge").textContent()).toBe("6");
    await pages.screenshot(page, "9-throttled");
    await page.close();
  });

  it("a mark-read failure shows in its own session, and one that arrives after sign-out does not show in the next", async () => {
    const first = "nc-leaver";
    const second = "nc-arriver";
    const [a, b] = await notificationIds(
      first,
      await sendBatch([
        { type: "job.completed", payload: { ownerUserId: first, jobName: "a" } },
        { type: "job.completed", payload: { ownerUserId: first, jobName: "b" } },
      ]),
    );
    const page = await pages.newPage();
    await pages.signIn(page, userToken(first));
    await openPanel(page);

    // In its own session: shown, and the row is unread again.
    await page.route(`${gateway}/api/v1/notifications/${a}/read`, (r) =>
      r.fulfill({ status: 503, json: { error: { code: "database_unavailable", message: "try again" } } }),
    );
    await row(page, a!).locator(".item-button").click();
    await page.locator("#list-error", { hasText: "Could not mark it read: try again (database_unavailable)" }).waitFor();
    await page.locator(`#list li[data-id="${a}"][data-read="false"]`).waitFor();
    pages.forgive(503);

    // Sent, then signed out before the (failing) answer comes.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    await page.route(`${gateway}/api/v1/notifications/${b}/read`, async (r) => {
      await answered;
      await r.fulfill({ status: 503, json: { error: { code: "database_unavailable", message: "late failure" } } });
    });
    await row(page, b!).locator(".item-button").click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await pages.signIn(page, userToken(second), { reload: false });
    const failed = page.waitForResponse((r) => r.url().endsWith(`/notifications/${b}/read`));
    answer();
    expect((await failed).status()).toBe(503);
    await page.waitForTimeout(300);
    expect(await page.locator("#list-error").isHidden()).toBe(true);
    expect(await page.locator(`#list li[data-id="${b}"]`).count()).toBe(0);
    pages.forgive(503);
    await page.close();
  });

  it("a list page still loading at sign-out neither blocks the next session's list nor shows in it", async () => {
    const first = "nc-slow";
    const second = "nc-next";
    await sendBatch([
      { type: "job.completed", payload: { ownerUserId: first, jobName: "first's" } },
      { type: "job.completed", payload: { ownerUserId: second, jobName: "second's" } },
    ]);
    await eventually(async () => ((await unreadCount(first)) + (await unreadCount(second)) === 2 ? true : undefined), 10_000, "both");
    const page = await pages.newPage();
    // The first session's list request hangs until released; later ones go through.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    await page.route(
      (url) => url.pathname === "/api/v1/notifications",
      async (route) => {
        if (held++ === 0) {
          await released;
          return route.continue();
        }
        return route.fallback();
      },
    );
    await page.goto(`${gateway}/`);
    await page.locator("#token-input").fill(userToken(first));
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator('#status[data-status="live"]').waitFor();
    await page.waitForTimeout(200);
    expect(held).toBe(1);
    await page.getByRole("button", { name: "Sign out" }).click();

    // The next session's list loads at once (it used to wait for the hung request: the loading flag outlived it).
    await pages.signIn(page, userToken(second), { reload: false });
    await openPanel(page);
    expect(await page.locator("#list li .item-body").allTextContents()).toEqual(["second's completed"]);
    // The first session's answer, when it finally comes, is dropped.
    const late = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/notifications");
    release();
    await late;
    await page.waitForTimeout(300);
    expect(await page.locator("#list li .item-body").allTextContents()).toEqual(["second's completed"]);
    await page.close();
  });

  it("do-not-disturb until a picked date and time: sent as that local time in ISO, shown with its day, kept after a reload; a past time is refused here", async () => {
    const user = "nc-dnd";
    const page = await pages.newPage();
    await pages.signIn(page, userToken(user));
    await page.locator("#settings-button").click();
    await page.locator("#settings-panel").waitFor();
    expect(await page.locator("#dnd-until-field").isHidden()).toBe(true);
    await page.locator("#dnd-duration").selectOption("until");
    await page.locator("#dnd-until-field").waitFor();
    // Prefilled an hour ahead, in local time.
    const prefilled = await page.locator("#dnd-until").inputValue();
    expect(prefilled).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);

    // In the past: refused with a reason, nothing sent, the switch back off.
    const puts: unknown[] = [];
    page.on("request", (r) => {
      if (r.method() === "PUT" && r.url().endsWith("/api/v1/notifications/settings")) puts.push(r.postDataJSON());
    });
    await page.locator("#dnd-until").fill("2020-01-01T08:00");
    await page.locator("label.switch:has(#dnd-toggle)").click();
    await page.locator("#settings-error", { hasText: "has passed: pick a time in the future." }).waitFor();
    expect(await page.locator("#dnd-toggle").isChecked()).toBe(false);
    expect(puts).toEqual([]);

    // 1 June 2030, 18:30 in Berlin (summer time, UTC+2) is 16:30 UTC.
    await page.locator("#dnd-until").fill("2030-06-01T18:30");
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/v1/notifications/settings") && r.request().method() === "PUT");
    await page.locator("label.switch:has(#dnd-toggle)").click();
    const response = await saved;
    expect(response.status()).toBe(200);
    expect(response.request().postDataJSON()).toEqual({ dndEnabled: true, dndUntil: "2030-06-01T16:30:00.000Z" });
    expect((await api(gateway, userToken(user), "GET", "/api/v1/notifications/settings")).body).toMatchObject({
      dndEnabled: true,
      dndUntil: "2030-06-01T16:30:00.000Z",
    });
    await page.locator("#dnd-indicator").waitFor();
    expect(await page.locator("#dnd-state").textContent()).toBe(
      "On until Sat 1 Jun, 18:30. Critical alerts still come through; the rest arrive when it ends.",
    );
    expect(await page.locator("#dnd-indicator").textContent()).toBe("Do not disturb until Sat 1 Jun, 18:30");
    expect(await page.locator("#dnd-until").isDisabled()).toBe(true);
    await pages.screenshot(page, "10-dnd-until");

    await page.reload();
    await page.locator('#status[data-status="live"]').waitFor();
    await page.locator("#dnd-indicator", { hasText: "Do not disturb until Sat 1 Jun, 18:30" }).waitFor();
    await page.locator("#settings-button").click();
    expect(await page.locator("#dnd-toggle").isChecked()).toBe(true);
    expect(await page.locator("#dnd-duration").inputValue()).toBe("until");
    expect(await page.locator("#dnd-until").inputValue()).toBe("2030-06-01T18:30");

    // Off again: nothing held any more.
    const off = page.waitForResponse((r) => r.url().endsWith("/api/v1/notifications/settings") && r.request().method() === "PUT");
    await page.locator("label.switch:has(#dnd-toggle)").click();
    expect((await off).request().postDataJSON()).toEqual({ dndEnabled: false, dndUntil: null });
    await page.locator("#dnd-indicator").waitFor({ state: "hidden" });
    await page.close();
  });

  it("a daily digest's local time and time zone: UTC until changed, the browser's zone offered, a zone picked from the list or typed, kept after a reload; a zone the gateway does not know shows its 400", async () => {
    const user = "nc-zone";
    const token = userToken(user);
    const stored = async () => (await api(gateway, token, "GET", "/api/v1/notifications/settings")).body;
    const settingsPut = () =>
      page.waitForResponse((r) => r.url().endsWith("/api/v1/notifications/settings") && r.request().method() === "PUT");
    const page = await pages.newPage();
    await pages.signIn(page, token);
    await page.locator("#settings-button").click();
    await page.locator("#settings-panel").waitFor();

    // The defaults: UTC, daily, no fixed time. The browser runs in Berlin: one click away.
    expect(await page.locator("#timezone-input").inputValue()).toBe("UTC");
    expect(await page.locator("#digest-interval").inputValue()).toBe("daily");
    expect(await page.locator("#digest-at").inputValue()).toBe("");
    const useBrowser = page.locator("#timezone-browser");
    expect(await useBrowser.textContent()).toBe("Use this browser's time zone (Europe/Berlin)");
    // The list to pick from is the browser's own, UTC included.
    const zones = await page.locator("#timezone-list option").evaluateAll((els) => els.map((el) => (el as any).value as string));
    expect(zones.length).toBeGreaterThan(300);
    expect(zones).toEqual(expect.arrayContaining(["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]));

    let saved = settingsPut();
    await page.locator("#digest-at").fill("09:00");
    expect((await saved).request().postDataJSON()).toEqual({ digestAt: "09:00" });
    saved = settingsPut();
    await useBrowser.click();
    expect((await saved).request().postDataJSON()).toEqual({ timezone: "Europe/Berlin" });
    await useBrowser.waitFor({ state: "hidden" });
    expect(await page.locator("#timezone-input").inputValue()).toBe("Europe/Berlin");
    expect(await stored()).toMatchObject({ digestInterval: "daily", digestAt: "09:00", timezone: "Europe/Berlin" });
    await pages.screenshot(page, "11-digest-time-zone");

    // Kept after a reload: what the gateway stored, drawn again.
    await page.reload();
    await page.locator('#status[data-status="live"]').waitFor();
    await page.locator("#settings-button").click();
    await page.waitForFunction(() => (globalThis as any).document.querySelector("#timezone-input").value === "Europe/Berlin");
    expect(await page.locator("#digest-at").inputValue()).toBe("09:00");
    expect(await useBrowser.isHidden()).toBe(true);

    // Typed, as the list suggests it: another zone, saved on leaving the field.
    saved = settingsPut();
    await page.locator("#timezone-input").fill("America/New_York");
    await page.keyboard.press("Tab");
    expect((await saved).request().postDataJSON()).toEqual({ timezone: "America/New_York" });
    await useBrowser.waitFor();
    expect((await stored()).timezone).toBe("America/New_York");

    // Not a zone: the gateway's 400, in its words; the field goes back to what is stored, and nothing changed.
    const refused = await api(gateway, token, "PUT", "/api/v1/notifications/settings", { timezone: "Mars/Olympus" });
    expect(refused.status).toBe(400);
    saved = settingsPut();
    await page.locator("#timezone-input").fill("Mars/Olympus");
    await page.keyboard.press("Tab");
    expect((await saved).status()).toBe(400);
    const error = page.locator("#settings-error");
    await error.waitFor();
    expect(await error.textContent()).toBe(
      `Could not save: ${refused.body.error.message} — timezone: must be an IANA time zone name, e.g. Europe/Berlin`,
    );
    expect(await page.locator("#timezone-input").inputValue()).toBe("America/New_York");
    expect(await stored()).toMatchObject({ timezone: "America/New_York", digestAt: "09:00" });
    await pages.screenshot(page, "12-time-zone-refused");
    pages.forgive(400);

    // Hourly: no time of day to pick. Emptied (daily again): no fixed time.
    saved = settingsPut();
    await page.locator("#digest-interval").selectOption("hourly");
    await saved;
    await page.locator("#digest-at-field").waitFor({ state: "hidden" });
    saved = settingsPut();
    await page.locator("#digest-interval").selectOption("daily");
    await saved;
    await page.locator("#digest-at-field").waitFor();
    saved = settingsPut();
    await page.locator("#digest-at").fill("");
    expect((await saved).request().postDataJSON()).toEqual({ digestAt: null });
    expect(await stored()).toMatchObject({ digestInterval: "daily", digestAt: null, timezone: "America/New_York" });
    await page.close();
  });

  it("browser notifications: asked for only from the settings switch; while the tab is hidden and allowed, one per new notification; clicking it opens it in the panel", async () => {
    const user = "nc-away";
    const { context } = browser;
    await context.clearPermissions();
    const page = await pages.newPage();
    await pages.signIn(page, userToken(user));
    const recorder = () =>
      page.evaluate(() => {
        const state = (globalThis as any).__herald;
        return { requests: state.requests as number, shown: state.shown.map((s: any) => ({ title: s.title, body: s.body, tag: s.tag })) };
      });
    const setHidden = (hidden: boolean) =>
      page.evaluate((h) => {
        (globalThis as any).__herald.hidden = h;
        (globalThis as any).document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    // Never on load.
    expect(await recorder()).toEqual({ requests: 0, shown: [] });
    await page.locator("#settings-button").click();
    const toggle = page.locator("#browser-notify-toggle");
    expect(await toggle.isChecked()).toBe(false);

    // Not granted (headless Chromium answers the prompt "denied"): asked once, it stays off and says why.
    await page.locator("label.switch:has(#browser-notify-toggle)").click();
    await page.locator("#browser-notify-state", { hasText: "Blocked for this site in the browser's settings" }).waitFor();
    expect(await toggle.isChecked()).toBe(false);
    expect((await recorder()).requests).toBe(1);

    await context.grantPermissions(["notifications"], { origin: gateway });
    await page.locator("label.switch:has(#browser-notify-toggle)").click();
    await page.locator("#browser-notify-state", { hasText: "On: while this tab is hidden" }).waitFor();
    expect(await toggle.isChecked()).toBe(true);
    await page.keyboard.press("Escape");

    // Visible: a toast, no system notification.
    await send({ type: "job.completed", payload: { ownerUserId: user, jobName: "seen-here" } });
    await page.locator("#toasts .toast").waitFor();
    expect((await recorder()).shown).toEqual([]);

    // Hidden: one system notification for it, with its text.
    await setHidden(true);
    const [eventId] = [await send({ type: "job.failed", payload: { ownerUserId: user, jobName: "while-away", error: "disk full" } })];
    const [id] = await notificationIds(user, [eventId!]);
    await page.waitForFunction(() => (globalThis as any).__herald.shown.length === 1);
    expect((await recorder()).shown).toEqual([{ title: "Job failed", body: "while-away failed: disk full", tag: `herald-${id}` }]);

    // Clicked: the tab comes back with the panel open at it.
    await setHidden(false);
    await page.evaluate(() => (globalThis as any).__herald.shown[0].instance.dispatchEvent(new Event("click")));
    await page.locator("#panel").waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.closest("li")?.dataset.id)).toBe(String(id));
    await pages.screenshot(page, "13-browser-notification-opened");

    // Switched off: hidden or not, nothing more.
    await page.locator("#settings-button").click();
    await page.locator("label.switch:has(#browser-notify-toggle)").click();
    expect(await toggle.isChecked()).toBe(false);
    await setHidden(true);
    await send({ type: "job.completed", payload: { ownerUserId: user, jobName: "after-off" } });
    await page.locator('#list li:has-text("after-off completed")').waitFor({ state: "attached" });
    expect((await recorder()).shown).toHaveLength(1);
    await context.clearPermissions();
    await page.close();
  });
});
