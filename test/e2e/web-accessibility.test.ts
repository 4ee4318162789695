import type { Page } from "playwright-core";
import { seriousViolations } from "../support/axe";
import { launchBrowser, type Browser } from "../support/browser";
import { api, eventually, publish } from "../support/clients";
import { WebhookReceiver } from "../support/receivers";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";
import { WebPages } from "../support/web-pages";

/**
 * WCAG 2.1 AA in a real headless Chromium, against real ingest, router and gateway processes: axe-core finds no
 * serious or critical violation on each view (sign-in, the main view with toasts of every category and the
 * activity feed, the open panel, the settings, the preferences, the admin panel with a real dead letter), everything
 * is reachable and usable by keyboard, and focus is visible wherever it lands.
 */
describe("web UI: accessibility (axe-core, keyboard, focus)", () => {
  let stack: TestStack;
  let browser: Browser;
  let gateway: string;
  let pages: WebPages;
  let page: Page;
  const producer = producerToken();
  const admin = "a11y-admin";
  const token = userToken(admin, "admin");
  /** Notification ids by the event's subject, once routed. */
  const ids: Record<string, number> = {};
  /** A webhook that always fails: the admin panel lists a real dead letter. */
  const failing = new WebhookReceiver(() => 500);
  const hookUser = "a11y-hook";

  beforeAll(async () => {
    // Toasts stay until dismissed, so the main view is checked with them up.
    await failing.start();
    stack = await TestStack.create({ TOAST_EXPIRE_MS: "0", WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", WEBHOOK_MAX_ATTEMPTS: "1" });
    await stack.start("router");
    await Promise.all([stack.start("ingest"), stack.start("delivery-worker")]);
    // The admin panel's operator calls go through the gateway to ingest.
    await stack.start("realtime-gateway", { env: { INGEST_URL: stack.service("ingest").url } });
    gateway = stack.service("realtime-gateway").url;
    browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
    // Screenshots in test-artifacts/web/accessibility/.
    pages = new WebPages(browser.context, gateway, "accessibility");
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await failing.stop();
  });

  afterEach(() => {
    expect(pages.errors).toEqual([]);
  });

  /** What is focused, as a test names it: its id, else its data-control or data-category, else its text. */
  const focused = () =>
    page.evaluate(() => {
      const el = (globalThis as any).document.activeElement;
      if (!el || el === (globalThis as any).document.body) return "body";
      return el.id || el.dataset.control || (el.dataset.category && `filter-${el.dataset.category}`) || el.textContent.trim();
    });

  /**
   * The focus indicator of what is focused: its own outline, or for a switch (its checkbox is invisible) the
   * track's. Visible means a solid outline at least 2 px wide.
   */
  const focusRing = () =>
    page.evaluate(() => {
      const doc = (globalThis as any).document;
      const el = doc.activeElement;
      const shown = el.closest(".switch") ? el.closest(".switch").querySelector(".switch-track") : el;
      const style = (globalThis as any).getComputedStyle(shown);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), visible: el.matches(":focus-visible") };
    });

  /** Presses Tab until `name` is focused (at most `max` times), checking every stop shows its focus. */
  const tabTo = async (name: string, max = 40): Promise<string[]> => {
    const stops: string[] = [];
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab");
      const stop = await focused();
      stops.push(stop);
      const ring = await focusRing();
      expect({ stop, ...ring }).toMatchObject({ stop, style: "solid", visible: true });
      expect(ring.width).toBeGreaterThanOrEqual(2);
      if (stop === name) return stops;
    }
    throw new Error(`Tab never reached ${name}: ${stops.join(", ")}`);
  };

  const shiftTabTo = async (name: string, max = 10): Promise<void> => {
    for (let i = 0; i < max && (await focused()) !== name; i++) await page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe(name);
  };

  it("the sign-in view has no serious or critical violation", async () => {
    page = await pages.newPage();
    await page.goto(`${gateway}/`);
    await page.locator("#token-input").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // And with its error shown.
    await page.locator("#token-input").fill("not a token");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.locator("#login-error").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("the main view, with a toast of every category up and the activity feed filled, has none", async () => {
    await pages.signIn(page, token);
    const subjects = ["train-7", "dataset v3", "design doc", "etl"];
    const res = await publish(
      stack.service("ingest").url,
      producer,
      {
        events: [
          { type: "job.completed", payload: { ownerUserId: admin, jobName: subjects[0] } },
          {
            type: "review.submitted",
            actorUserId: "author",
            payload: { contentOwnerUserId: "author", reviewerUserIds: [admin], title: subjects[1] },
          },
          { type: "collab.mention", payload: { mentionedUserIds: [admin], title: subjects[2] } },
          { type: "job.failed", payload: { ownerUserId: admin, jobName: subjects[3], error: "OOM" } },
          { type: "system.gpu_critical", payload: { host: "gpu-07", gpuIndex: 3, value: 94, threshold: 90 } },
        ],
      },
      { path: "/batch" },
    );
    expect(res.status).toBe(202);
    await page.locator("#toasts .toast:nth-child(5)").waitFor();
    await page.locator("#activity-list li:nth-child(5)").waitFor();
    await page.waitForTimeout(250); // the toasts' slide-in has ended
    const { body } = await api(gateway, token, "GET", "/api/v1/notifications");
    for (const item of body.items as { id: number; body: string; type: string }[]) {
      const subject = subjects.find((s) => item.body.includes(s)) ?? item.type;
      ids[subject] = item.id;
    }
    expect(Object.keys(ids).sort()).toEqual([...subjects, "system.gpu_critical"].sort());

    // The review chip of the feed, once orange at 3.9:1, is part of what axe measures here.
    expect(await page.locator("#activity-list .chip--review").count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "1-main-view");

    // The check can fail: painted in its old colours, the review chip is a serious color-contrast violation.
    const chip = page.locator("#activity-list .chip--review");
    await chip.evaluate((el: any) => {
      el.style.color = "#b26a00";
      el.style.background = "#fff4e0";
    });
    const old = await seriousViolations(page);
    expect(old.map((v) => [v.id, v.impact])).toEqual([["color-contrast", "serious"]]);
    expect(old[0]!.nodes.map((n) => n.summary).join()).toMatch(/contrast of 3\.8\d/);
    await chip.evaluate((el: any) => el.removeAttribute("style"));
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("the open panel (unread and read rows, a critical one, a count, a link, actions and an action's error) has none", async () => {
    await pages.serveExtras(page, {
      [ids["train-7"]!]: { count: 4, title: "4 jobs completed in p-7", url: "/jobs/7" },
      [ids["dataset v3"]!]: {
        url: "https://review.example.com/12",
        actions: [
          { id: "approve", label: "Approve" },
          { id: "reject", label: "Reject" },
        ],
      },
    });
    // Reload the list with the extras: switch the filter away and back.
    await page.locator("#bell").click();
    await page.locator("#category-filter").getByRole("button", { name: "Jobs" }).click();
    await page.locator("#category-filter").getByRole("button", { name: "All" }).click();
    await page.locator(`#list li[data-id="${ids["dataset v3"]}"] .item-actions`).waitFor();
    await page.locator(`#list li[data-id="${ids.etl}"] .item-button`).click();
    await page.locator(`#list li[data-id="${ids.etl}"][data-read="true"]`).waitFor();
    // The gateway offers no action on that notification (the buttons came from the test): its 404 shows in the row.
    await page.locator(`#list li[data-id="${ids["dataset v3"]}"] [data-action="reject"]`).click();
    await page.locator(`#list li[data-id="${ids["dataset v3"]}"] .item-error`).waitFor();
    pages.forgive(404);
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "2-panel");
  });

  it("the settings popover (do-not-disturb with the time picker, digest, browser notifications, delivery) has none", async () => {
    await page.keyboard.press("Escape");
    await page.locator("#settings-button").click();
    await page.locator("#dnd-duration").selectOption("until");
    await page.locator("#dnd-until-field").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "3-settings");
    await page.keyboard.press("Escape");
  });

  it("the preferences view has none", async () => {
    // The toasts (kept until dismissed here) would cover its top right corner.
    while ((await page.locator("#toasts .toast").count()) > 0) await page.locator("#toasts .toast-close").first().click();
    await page.locator("#preferences-button").click();
    await page.locator('#preferences li[data-event-type="job.completed"]').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "4-preferences", { fullPage: true });
    await page.locator("#preferences-close").click();
  });

  it("by keyboard alone: Tab reaches the header, the panel's filter, rows and actions, and the toasts; Enter and Space act; Escape closes and gives focus back; focus always shows", async () => {
    await page.reload();
    await page.locator('#status[data-status="live"]').waitFor();
    await page.locator("#activity-list li").first().waitFor();

    // The header, in reading order.
    const header = await tabTo("bell");
    expect(header).toEqual(["settings-button", "bell"]);

    // Enter opens the panel; Tab goes into it: Mark all read, then the filter.
    await page.keyboard.press("Enter");
    await page.locator("#panel").waitFor();
    expect(await page.locator("#bell").getAttribute("aria-expanded")).toBe("true");
    expect(await tabTo("filter-all")).toEqual(["mark-all-read", "filter-all"]);
    // Space presses a filter button.
    await tabTo("filter-review");
    await page.keyboard.press(" ");
    await page.locator('#category-filter button[data-category="review"][aria-pressed="true"]').waitFor();
    await page.locator(`#list li[data-id="${ids["dataset v3"]}"]`).waitFor();
    expect(await page.locator("#list li").count()).toBe(1);
    // Shift+Tab back to All, and Enter presses it.
    await shiftTabTo("filter-all");
    await page.keyboard.press("Enter");
    await page.locator("#list li:nth-child(5)").waitFor();

    // Rows: Enter marks the first one read, the panel stays open and focus stays on it.
    const first = page.locator("#list li").first();
    const firstId = await first.getAttribute("data-id");
    await tabTo("open");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.closest("li").dataset.id)).toBe(firstId);
    await page.keyboard.press("Enter");
    await page.locator(`#list li[data-id="${firstId}"][data-read="true"]`).waitFor();
    expect(await page.locator("#panel").isVisible()).toBe(true);
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.closest("li")?.dataset.id)).toBe(firstId);
    await pages.screenshot(page, "5-keyboard-row");

    // Escape closes it, and focus is back on the bell.
    await page.keyboard.press("Escape");
    await page.locator("#panel").waitFor({ state: "hidden" });
    expect(await focused()).toBe("bell");

    // The settings: Enter opens, Space flips a switch (saved), Escape closes back onto the gear.
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe("settings-button");
    await page.keyboard.press("Enter");
    await page.locator("#settings-panel").waitFor();
    await tabTo("digest-toggle");
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/v1/notifications/settings") && r.request().method() === "PUT");
    await page.keyboard.press(" ");
    expect((await saved).request().postDataJSON()).toEqual({ digestEnabled: true });
    await page.locator("#digest-toggle:checked").waitFor({ state: "attached" });
    await page.keyboard.press("Escape");
    await page.locator("#settings-panel").waitFor({ state: "hidden" });
    expect(await focused()).toBe("settings-button");

    // Preferences: Enter opens the view, Space ticks a channel (saved), Done closes it.
    await tabTo("preferences-button");
    await page.keyboard.press("Enter");
    await page.locator('#preferences li[data-event-type="job.completed"]').waitFor();
    await tabTo("channel-email");
    const pref = page.waitForResponse((r) => r.url().includes("/preferences/") && r.request().method() === "PUT");
    await page.keyboard.press(" ");
    expect((await pref).status()).toBe(200);
    await shiftTabTo("preferences-close");
    await page.keyboard.press("Enter");
    await page.locator("#activity").waitFor();

    // A toast is reachable too: Enter on it opens the panel at its notification. (Not a job result: the digest,
    // switched on above, would hold it.)
    await publish(stack.service("ingest").url, producer, {
      type: "collab.mention",
      payload: { mentionedUserIds: [admin], title: "by-keyboard" },
    });
    await page.locator("#toasts .toast").waitFor();
    const toastId = await page.locator("#toasts .toast").getAttribute("data-id");
    await tabTo("toast-open", 200);
    await page.keyboard.press("Enter");
    await page.locator("#panel").waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.closest("li")?.dataset.id)).toBe(toastId);
    await page.keyboard.press("Escape");
    await eventually(async () => ((await focused()) === "bell" ? true : undefined), 2_000, "focus back on the bell");
  });

  it("the admin panel (statistics, a dead letter with its attempt log, Why with a decision record, an explain and an error) has none; by keyboard every control is reached with its focus showing, and Done gives focus back to Admin", async () => {
    // A real dead letter: a webhook that answers 500, one attempt allowed.
    const hook = userToken(hookUser);
    expect((await api(gateway, hook, "PUT", "/api/v1/notifications/settings", { webhookUrl: failing.url() })).status).toBe(200);
    const prefs = await api(gateway, hook, "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["in_app", "webhook"] });
    expect(prefs.status).toBe(200);
    const res = await publish(stack.service("ingest").url, producer, {
      type: "job.failed",
      payload: { ownerUserId: hookUser, jobName: "nightly", error: "OOM" },
    });
    expect(res.status).toBe(202);
    const eventId = res.body!.id as string;
    const dead = await eventually(
      async () =>
        (
          await stack.db.query<{ id: string }>("SELECT id::text FROM deliveries WHERE user_id = $1 AND status = 'dead_lettered'", [
            hookUser,
          ])
        )[0]?.id,
      20_000,
      "the dead letter",
    );

    await page.reload();
    await page.locator('#status[data-status="live"]').waitFor();
    while ((await page.locator("#toasts .toast").count()) > 0) await page.locator("#toasts .toast-close").first().click();

    // Opened from the header by keyboard.
    await tabTo("admin-button");
    await page.keyboard.press("Enter");
    await page.locator("#admin-channels").waitFor();
    await page.locator(`#admin-deliveries [data-retry="${dead}"]`).waitFor();
    expect(await page.locator("#admin-button").getAttribute("aria-pressed")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);

    // Every control, in reading order, each with its focus showing (tabTo checks it at every stop).
    const stops = await tabTo("why-explain");
    // Each listed delivery's buttons (the others' deliveries are listed too: only the dead letter has Retry).
    const rowButtons = await page.locator("#admin-deliveries tbody button").allTextContents();
    expect(rowButtons).toEqual(expect.arrayContaining([`Attempts of ${dead}`, `Retry ${dead}`]));
    expect(stops).toEqual([
      "sign-out",
      "admin-close",
      "admin-dashboard",
      "admin-channel",
      "admin-status",
      ...rowButtons,
      "why-recent",
      "why-event",
      "Every candidate's decision",
      "why-user",
      "why-explain",
    ]);

    // The attempt log by Enter.
    await shiftTabTo(`Attempts of ${dead}`);
    await page.keyboard.press("Enter");
    await page.locator("#admin-attempts table").waitFor();
    // Why by keyboard: the event picked from the recent ones (Arrow Down: the newest, this failure), Enter submits;
    // then Enter on a candidate's own Explain, and Space on Explain for a user typed in.
    await tabTo("why-recent");
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction((id) => (globalThis as any).document.querySelector("#why-event").value === id, eventId);
    await tabTo("why-event");
    await page.keyboard.press("Enter");
    await page.locator("#why-result table").waitFor();
    expect(await page.locator("#why-result tbody tr").count()).toBe(1);
    await tabTo(`Explain for ${hookUser}`);
    await page.keyboard.press("Enter");
    await page.locator("#why-result .why-explain").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "6-admin-panel", { fullPage: true });
    await shiftTabTo("why-user");
    await page.keyboard.press("Control+A");
    await page.keyboard.type(admin);
    await tabTo("why-explain");
    await page.keyboard.press(" ");
    await page.locator("#why-result .why-explain").waitFor();
    // An unknown event: the error, announced.
    await shiftTabTo("why-event", 10);
    await page.keyboard.press("Control+A");
    await page.keyboard.type("no-such-event");
    await page.keyboard.press("Enter");
    await page.locator("#admin-error").waitFor();
    pages.forgive(404);
    expect(await page.locator("#admin-error").getAttribute("role")).toBe("alert");
    expect(await seriousViolations(page)).toEqual([]);
    await pages.screenshot(page, "7-admin-error", { fullPage: true });

    // Done: the feed is back and focus is on Admin, not lost at the page's start.
    await page.locator("#admin-close").focus();
    await page.keyboard.press("Enter");
    await page.locator("#admin").waitFor({ state: "hidden" });
    await page.locator("#activity").waitFor();
    expect(await focused()).toBe("admin-button");
    expect(await page.locator("#admin-button").getAttribute("aria-pressed")).toBe("false");
  });
});
