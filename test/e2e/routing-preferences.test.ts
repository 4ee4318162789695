import { api, eventually, publish, RecordingClient, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const DIGEST_MS = 2500;

/**
 * Preferences, scope, DND and digests, end to end: ingest, router, gateway
 * and two digest-scheduler replicas as processes; users on real Socket.IO clients.
 */
describe("routing honours each user's preferences and settings", () => {
  let stack: TestStack;
  let gateway: string;
  let ingest: string;
  const clients: RecordingClient[] = [];
  const producer = producerToken();

  beforeAll(async () => {
    stack = await TestStack.create({ SCHEDULER_TICK_MS: "250", DIGEST_HOURLY_MS: String(DIGEST_MS), PREFERENCE_CACHE_TTL_MS: "600000" });
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("realtime-gateway"), stack.start("digest-scheduler")]);
    // A second scheduler replica: digests and DND releases must still happen exactly once.
    await stack.start("digest-scheduler", { key: "digest-scheduler-2" });
    gateway = stack.service("realtime-gateway").url;
    ingest = stack.service("ingest").url;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack.stop();
  });

  const connect = async (token: string) => {
    const client = new RecordingClient(gateway, token);
    clients.push(client);
    await client.connected();
    return client;
  };
  const send = async (event: Record<string, unknown>) => {
    const res = await publish(ingest, producer, event);
    expect(res.status).toBe(202);
    return res.body!.id as string;
  };
  /** Publishes a marker event to `userId` and waits for it: everything published earlier has been routed by then. */
  const settle = async (client: RecordingClient, userId: string) => {
    const id = await send({ type: "collab.mention", payload: { mentionedUserIds: [userId] } });
    await eventually(() => client.notifications.find((n) => n.eventId === id), 10_000, "marker");
    return id;
  };

  it("a reviewer who muted job.* gets no job events but does get review events", async () => {
    const token = userToken("reviewer");
    for (const type of ["job.submitted", "job.started", "job.progress", "job.completed", "job.failed", "job.cancelled"]) {
      const res = await api(gateway, token, "PUT", `/api/v1/notifications/preferences/${type}`, { channels: [] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ eventType: type, channels: [], enabled: true, isDefault: false });
    }
    const reviewer = await connect(token);
    const jobId = await send({ type: "job.completed", payload: { ownerUserId: "reviewer" } });
    const reviewId = await send({
      type: "review.submitted",
      actorUserId: "author",
      payload: { contentOwnerUserId: "author", reviewerUserIds: ["reviewer"] },
    });
    await eventually(() => reviewer.notifications.find((n) => n.eventId === reviewId), 10_000, "review event");
    await settle(reviewer, "reviewer");
    expect(reviewer.notifications.map((n) => n.eventId)).not.toContain(jobId);
    expect(reviewer.notifications.map((n) => n.type)).toEqual(["review.submitted", "collab.mention"]);

    const prefs = await api(gateway, token, "GET", "/api/v1/notifications/preferences");
    expect(prefs.body.items).toHaveLength(16);
    expect(prefs.body.items.find((p: { eventType: string }) => p.eventType === "review.submitted")).toMatchObject({
      channels: ["in_app"],
      scope: "my_jobs",
      isDefault: true,
    });
    expect(prefs.body.items.find((p: { eventType: string }) => p.eventType === "system.disk_warning")).toMatchObject({
      channels: ["in_app", "email"],
      critical: true,
    });
  });

  it("a DND user gets nothing live, then everything in order, once, when DND is switched off", async () => {
    const token = userToken("sleeper");
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { dndEnabled: true })).status).toBe(200);
    const sleeper = await connect(token);
    const ids: string[] = [];
    for (const type of ["job.started", "job.progress", "job.failed", "review.approved"]) {
      ids.push(await send({ type, payload: { ownerUserId: "sleeper", contentOwnerUserId: "sleeper" } }));
    }
    // A user in another state receiving a later event proves the held ones were routed, not lost.
    const watcher = await connect(userToken("watcher"));
    await settle(watcher, "watcher");
    await sleep(300);
    expect(sleeper.notifications).toEqual([]);
    expect((await api(gateway, token, "GET", "/api/v1/notifications")).body.items).toEqual([]);
    expect((await api(gateway, token, "GET", "/api/v1/notifications/unread-count")).body).toEqual({ count: 0 });

    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { dndEnabled: false })).status).toBe(200);
    await eventually(() => (sleeper.notifications.length >= ids.length ? true : undefined), 10_000, "released notifications");
    await sleep(800); // a few scheduler ticks: nothing is released twice
    expect(sleeper.notifications.map((n) => n.eventId)).toEqual(ids);
    expect(sleeper.notifications.map((n) => n.unreadCount)).toEqual([1, 2, 3, 4]);
    const listed = await api(gateway, token, "GET", "/api/v1/notifications");
    expect(listed.body.items.map((n: { eventId: string }) => n.eventId)).toEqual([...ids].reverse());
  });

  it("notifications released from DND while the user is offline come in their catch-up on reconnect, after newer ones they saw", async () => {
    const token = userToken("roamer", "admin");
    const first = await connect(token);
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { dndEnabled: true })).status).toBe(200);
    const held = [
      await send({ type: "job.failed", payload: { ownerUserId: "roamer", jobName: "a" } }),
      await send({ type: "job.cancelled", payload: { ownerUserId: "roamer", jobName: "b" } }),
    ];
    await eventually(async () =>
      (await stack.db.query("SELECT id FROM notifications WHERE user_id = 'roamer' AND status = 'held'")).length === 2 ? true : undefined,
    );
    // A critical alert gets through DND: the client's last id is now newer than the held ones were.
    const alert = await send({
      type: "system.disk_warning",
      payload: { host: "h1", mountPoint: "/", metric: "free_percent", value: 7, threshold: 10 },
    });
    const seen = await eventually(() => first.notifications.find((n) => n.eventId === alert), 10_000, "critical alert");
    first.close();
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { dndEnabled: false })).status).toBe(200);
    await eventually(async () =>
      (await stack.db.query("SELECT id FROM notifications WHERE user_id = 'roamer' AND status = 'delivered'")).length === 3
        ? true
        : undefined,
    );

    const back = new RecordingClient(gateway, token, { lastNotificationId: seen.id });
    clients.push(back);
    await back.connected();
    await eventually(() => (back.named("caught_up").length === 1 ? true : undefined), 10_000, "caught up");
    expect(back.notifications.map((n) => n.eventId)).toEqual(held);
    expect(back.notifications.every((n) => n.id > seen.id)).toBe(true);
  });

  it("DND with an end time releases by itself when the time passes", async () => {
    const token = userToken("napper");
    const until = new Date(Date.now() + 1500).toISOString();
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { dndEnabled: true, dndUntil: until })).status).toBe(200);
    const napper = await connect(token);
    const id = await send({ type: "job.completed", payload: { ownerUserId: "napper" } });
    await sleep(700);
    expect(napper.notifications).toEqual([]);
    await eventually(() => napper.notifications.find((n) => n.eventId === id), 10_000, "release after dndUntil");
    await sleep(600);
    expect(napper.notifications).toHaveLength(1);
  });

  it("an admin in DND gets system.gpu_critical live; a normal user gets nothing", async () => {
    const adminToken = userToken("ops-admin", "admin");
    const admin = await connect(adminToken);
    expect((await api(gateway, adminToken, "PUT", "/api/v1/notifications/settings", { dndEnabled: true })).status).toBe(200);
    const bystander = await connect(userToken("bystander"));
    const id = await send({
      type: "system.gpu_critical",
      payload: { host: "gpu-1", gpuIndex: 0, metric: "temperature", value: 93, threshold: 90 },
    });
    const received = await eventually(() => admin.notifications.find((n) => n.eventId === id), 10_000, "critical alert");
    expect(received).toMatchObject({
      type: "system.gpu_critical",
      critical: true,
      category: "system",
      body: "gpu-1 GPU 0 temperature 93 (threshold 90)",
    });
    await settle(bystander, "bystander");
    expect(bystander.notifications.map((n) => n.type)).toEqual(["collab.mention"]);
    expect(admin.notifications.filter((n) => n.eventId === id)).toHaveLength(1);
  });

  it("scope my_projects and all widen who hears of an event; the default scope does not", async () => {
    const member = await connect(userToken("member", "user", { projects: ["p-apollo"] }));
    const everything = await connect(userToken("everything"));
    const plain = await connect(userToken("plain", "user", { projects: ["p-apollo"] }));
    expect(
      (
        await api(gateway, userToken("member", "user", { projects: ["p-apollo"] }), "PUT", "/api/v1/notifications/preferences/job.failed", {
          scope: "my_projects",
        })
      ).status,
    ).toBe(200);
    expect(
      (await api(gateway, userToken("everything"), "PUT", "/api/v1/notifications/preferences/job.failed", { scope: "all" })).status,
    ).toBe(200);

    const inProject = await send({ type: "job.failed", projectId: "p-apollo", payload: { ownerUserId: "someone-else" } });
    const elsewhere = await send({ type: "job.failed", projectId: "p-zeus", payload: { ownerUserId: "someone-else" } });
    await eventually(() => (everything.notifications.length === 2 ? true : undefined), 10_000, "scope all");
    await settle(member, "member");
    await settle(plain, "plain");
    expect(member.notifications.map((n) => n.eventId).filter((id) => id === inProject || id === elsewhere)).toEqual([inProject]);
    expect(everything.notifications.map((n) => n.eventId)).toEqual([inProject, elsewhere]);
    expect(plain.notifications.map((n) => n.type)).toEqual(["collab.mention"]);
  });

  it("a digest user gets no live job.completed and one digest with the right counts when the schedule fires", async () => {
    const token = userToken("digester");
    const digester = await connect(token);
    const on = await api(gateway, token, "PUT", "/api/v1/notifications/settings", { digestEnabled: true, digestInterval: "hourly" });
    expect(on.status).toBe(200);
    const switchedOnAt = Date.now();
    await send({ type: "job.completed", payload: { ownerUserId: "digester", jobName: "a" } });
    await send({ type: "job.completed", payload: { ownerUserId: "digester", jobName: "b" } });
    await send({ type: "job.failed", payload: { ownerUserId: "digester", jobName: "c" } });
    await send({
      type: "review.submitted",
      actorUserId: "author",
      payload: { contentOwnerUserId: "author", reviewerUserIds: ["digester"] },
    });
    const liveId = await send({ type: "review.approved", payload: { contentOwnerUserId: "digester" } });
    await eventually(() => digester.notifications.find((n) => n.eventId === liveId), 10_000, "non-digested type, live");

    const preview = await api(gateway, token, "GET", "/api/v1/notifications/digest");
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ enabled: true, counts: { jobsCompleted: 2, jobsFailed: 1, awaitingReview: 1, total: 4 } });
    expect(preview.body.items).toHaveLength(4);
    expect(Date.now() - switchedOnAt).toBeLessThan(DIGEST_MS); // the digest cannot have fired yet

    const digest = await eventually(() => digester.notifications.find((n) => n.type === "digest"), 15_000, "digest");
    expect(digest).toMatchObject({
      type: "digest",
      category: "digest",
      eventId: null,
      critical: false,
      payload: {
        counts: { jobsCompleted: 2, jobsFailed: 1, awaitingReview: 1, total: 4 },
        from: expect.any(String),
        to: expect.any(String),
      },
    });
    expect((digest.payload as { items: unknown[] }).items).toHaveLength(4);
    expect(digester.notifications.map((n) => n.type)).toEqual(["review.approved", "digest"]);

    // The next period is empty: no second digest.
    await sleep(DIGEST_MS + 800);
    expect(digester.notifications.filter((n) => n.type === "digest")).toHaveLength(1);
    const after = await api(gateway, token, "GET", "/api/v1/notifications/digest");
    expect(after.body.counts.total).toBe(0);
  });

  it("answers 400 naming the field for bad preferences and settings, and changes nothing", async () => {
    const token = userToken("careful");
    const before = await api(gateway, token, "GET", "/api/v1/notifications/settings");
    const prefsBefore = await api(gateway, token, "GET", "/api/v1/notifications/preferences");
    const cases: [string, string, unknown, string][] = [
      ["PUT", "/api/v1/notifications/preferences/job.exploded", { enabled: false }, "eventType"],
      ["PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["sms"] }, "channels.0"],
      ["PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["email", "email"] }, "channels"],
      ["PUT", "/api/v1/notifications/preferences/job.failed", { scope: "galaxy" }, "scope"],
      ["PUT", "/api/v1/notifications/preferences/job.failed", { enabled: "no" }, "enabled"],
      ["PUT", "/api/v1/notifications/preferences/job.failed", { colour: "red" }, "colour"],
      ["PUT", "/api/v1/notifications/preferences/job.failed", {}, ""],
      ["PUT", "/api/v1/notifications/settings", { dndUntil: "tomorrow" }, "dndUntil"],
      ["PUT", "/api/v1/notifications/settings", { digestInterval: "weekly" }, "digestInterval"],
      ["PUT", "/api/v1/notifications/settings", { digestTypes: ["system.gpu_critical"] }, "digestTypes"],
      ["PUT", "/api/v1/notifications/settings", { digestTypes: ["job.nope"] }, "digestTypes.0"],
      ["PUT", "/api/v1/notifications/settings", { email: "not-an-email" }, "email"],
      ["PUT", "/api/v1/notifications/settings", { webhookUrl: "ftp://example.com/hook" }, "webhookUrl"],
      ["PUT", "/api/v1/notifications/settings", { webhookUrl: "https://user:pw@example.com/hook" }, "webhookUrl"],
      ["PUT", "/api/v1/notifications/settings", { webhookUrl: "http://169.254.169.254/latest/meta-data" }, "webhookUrl"],
      ["PUT", "/api/v1/notifications/settings", { webhookUrl: "http://[::1]:8080/hook" }, "webhookUrl"],
      ["PUT", "/api/v1/notifications/settings", { dndEnabled: true, sneaky: 1 }, "sneaky"],
      ["PUT", "/api/v1/notifications/settings", { timezone: "Mars/Olympus" }, "timezone"],
      ["PUT", "/api/v1/notifications/settings", { timezone: "+02:00" }, "timezone"],
      ["PUT", "/api/v1/notifications/settings", { timezone: "" }, "timezone"],
      ["PUT", "/api/v1/notifications/settings", { digestAt: "9:00" }, "digestAt"],
      ["PUT", "/api/v1/notifications/settings", { digestAt: "24:00" }, "digestAt"],
      ["PUT", "/api/v1/notifications/settings", { digestAt: "09:60" }, "digestAt"],
      ["PUT", "/api/v1/notifications/settings", { digestAt: 900 }, "digestAt"],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await api(gateway, token, method, path, body);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      const fields = (res.body.error.details as { path: string }[]).map((d) => d.path);
      if (field) expect({ body, fields }).toEqual({ body, fields: expect.arrayContaining([field]) });
      if (field) expect(res.body.error.message).toContain(field.split(".")[0]);
    }
    const notJson = await fetch(`${gateway}/api/v1/notifications/settings`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body: "dndEnabled=true",
    });
    expect(notJson.status).toBe(415);
    expect((await api(gateway, token, "GET", "/api/v1/notifications/settings")).body).toEqual(before.body);
    expect((await api(gateway, token, "GET", "/api/v1/notifications/preferences")).body).toEqual(prefsBefore.body);
    expect((await fetch(`${gateway}/api/v1/notifications/settings`)).status).toBe(401);
  });

  it("a daily digest at a local time: timezone and digestAt are saved and shown, UTC and none by default", async () => {
    const token = userToken("morning-reader");
    expect((await api(gateway, token, "GET", "/api/v1/notifications/settings")).body).toMatchObject({ timezone: "UTC", digestAt: null });
    const set = await api(gateway, token, "PUT", "/api/v1/notifications/settings", {
      digestEnabled: true,
      digestInterval: "daily",
      timezone: "Europe/Berlin",
      digestAt: "09:00",
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ digestEnabled: true, digestInterval: "daily", timezone: "Europe/Berlin", digestAt: "09:00" });
    expect((await api(gateway, token, "GET", "/api/v1/notifications/settings")).body).toMatchObject({
      timezone: "Europe/Berlin",
      digestAt: "09:00",
    });
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { digestAt: null })).body).toMatchObject({ digestAt: null });
  });

  it("settings are a user's own: another user's changes never show, and a webhook secret is shown once", async () => {
    const alice = userToken("alice-prefs");
    const bob = userToken("bob-prefs");
    const set = await api(gateway, alice, "PUT", "/api/v1/notifications/settings", {
      webhookUrl: "https://hooks.example.com/alice",
      email: "alice@example.com",
    });
    expect(set.body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(set.body).toMatchObject({ webhookUrl: "https://hooks.example.com/alice", email: "alice@example.com", webhookSecretSet: true });
    const again = await api(gateway, alice, "PUT", "/api/v1/notifications/settings", { webhookUrl: "https://hooks.example.com/alice" });
    expect(again.body.webhookSecret).toBeUndefined();
    const read = await api(gateway, alice, "GET", "/api/v1/notifications/settings");
    expect(read.body.webhookSecret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain("whsec_");
    await api(gateway, alice, "PUT", "/api/v1/notifications/preferences/job.failed", { enabled: false });

    const bobView = await api(gateway, bob, "GET", "/api/v1/notifications/settings?userId=alice-prefs");
    expect(bobView.body).toMatchObject({ webhookUrl: null, email: null, webhookSecretSet: false });
    const bobPrefs = await api(gateway, bob, "GET", "/api/v1/notifications/preferences?userId=alice-prefs");
    expect(bobPrefs.body.items.find((p: { eventType: string }) => p.eventType === "job.failed")).toMatchObject({
      enabled: true,
      isDefault: true,
    });
  });
});
