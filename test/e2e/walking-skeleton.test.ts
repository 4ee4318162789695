import { api, eventually, publish, RecordingClient, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * ingest, router and realtime-gateway as separate processes against real
 * Redis and Postgres; users connect with real Socket.IO clients.
 */
describe("walking skeleton: HTTP publish reaches the right user's socket", () => {
  let stack: TestStack;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("realtime-gateway")]);
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack.stop();
  });

  const connect = async (token: string) => {
    const client = new RecordingClient(stack.service("realtime-gateway").url, token);
    clients.push(client);
    await client.connected();
    return client;
  };

  it("delivers job.completed to its owner only, and read state flows through REST and sockets", async () => {
    const tokenA = userToken("user-a");
    const tokenB = userToken("user-b");
    const alice = await connect(tokenA);
    const bob = await connect(tokenB);
    await eventually(() => (alice.unreadCounts.length && bob.unreadCounts.length ? true : undefined), 5_000, "initial counts");

    const published = await publish(stack.service("ingest").url, producerToken(), {
      type: "job.completed",
      actorUserId: "scheduler",
      source: { type: "job", id: "job-7" },
      payload: { ownerUserId: "user-a", jobName: "train <b>llm</b>" },
    });
    expect(published.status).toBe(202);
    expect(published.body).toEqual({ id: expect.any(String), status: "accepted" });

    const received = await eventually(() => alice.notifications[0], 10_000, "alice's notification");
    expect(received).toEqual({
      id: expect.any(Number),
      eventId: published.body!.id,
      type: "job.completed",
      category: "job",
      title: "Job completed",
      body: "train <b>llm</b> completed",
      payload: { ownerUserId: "user-a", jobName: "train <b>llm</b>" },
      critical: false,
      createdAt: expect.any(String),
      count: 1,
      url: null,
      actions: [],
      unreadCount: 1,
    });
    // Give any stray duplicate or misrouted push time to arrive before asserting absence.
    await sleep(500);
    expect(alice.notifications).toHaveLength(1);
    expect(bob.notifications).toHaveLength(0);

    const gateway = stack.service("realtime-gateway").url;
    const list = await api(gateway, tokenA, "GET", "/api/v1/notifications");
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: received.id, eventId: received.eventId, read: false, type: "job.completed" });
    expect(list.body.nextCursor).toBeNull();
    expect((await api(gateway, tokenB, "GET", "/api/v1/notifications")).body.items).toEqual([]);

    // Bob cannot read, or even learn about, Alice's notification.
    expect((await api(gateway, tokenB, "POST", `/api/v1/notifications/${received.id}/read`)).status).toBe(404);
    expect((await api(gateway, tokenA, "GET", "/api/v1/notifications/unread-count")).body).toEqual({ count: 1 });

    expect((await api(gateway, tokenA, "POST", `/api/v1/notifications/${received.id}/read`)).status).toBe(204);
    expect((await api(gateway, tokenA, "GET", "/api/v1/notifications/unread-count")).body).toEqual({ count: 0 });
    await eventually(() => (alice.unreadCounts.at(-1) === 0 && alice.unreadCounts.length >= 2 ? true : undefined), 5_000, "live count 0");
    const after = await api(gateway, tokenA, "GET", "/api/v1/notifications?unread_only=true");
    expect(after.body.items).toEqual([]);
  });

  it("pages the notification list newest first with a cursor, filtered by category", async () => {
    const token = userToken("pager");
    const ingest = stack.service("ingest").url;
    const events = [
      ...Array.from({ length: 5 }, (_, i) => ({
        id: `page-job-${i}`,
        type: "job.failed",
        payload: { ownerUserId: "pager", jobName: `j${i}` },
      })),
      { id: "page-review", type: "review.approved", payload: { contentOwnerUserId: "pager" } },
    ];
    expect((await publish(ingest, producerToken(), { events }, { path: "/batch" })).status).toBe(202);
    const gateway = stack.service("realtime-gateway").url;
    await eventually(async () =>
      (await api(gateway, token, "GET", "/api/v1/notifications/unread-count")).body.count === 6 ? true : undefined,
    );

    const first = await api(gateway, token, "GET", "/api/v1/notifications?limit=4");
    expect(first.body.items.map((n: { eventId: string }) => n.eventId)).toEqual(["page-review", "page-job-4", "page-job-3", "page-job-2"]);
    const second = await api(gateway, token, "GET", `/api/v1/notifications?limit=4&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((n: { eventId: string }) => n.eventId)).toEqual(["page-job-1", "page-job-0"]);
    expect(second.body.nextCursor).toBeNull();

    const reviews = await api(gateway, token, "GET", "/api/v1/notifications?category=review");
    expect(reviews.body.items.map((n: { eventId: string }) => n.eventId)).toEqual(["page-review"]);

    expect((await api(gateway, token, "POST", "/api/v1/notifications/read-all")).status).toBe(204);
    expect((await api(gateway, token, "GET", "/api/v1/notifications/unread-count")).body).toEqual({ count: 0 });

    const bad = await api(gateway, token, "GET", "/api/v1/notifications?limit=0&category=nope");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_query");
    expect(bad.body.error.message).toContain("limit");
    expect(bad.body.error.message).toContain("category");
  });

  it("publishing the same event id twice yields one event and one notification", async () => {
    const token = userToken("idem-user");
    const ingest = stack.service("ingest").url;
    const event = { id: "idem-1", type: "collab.mention", actorUserId: "someone", payload: { mentionedUserIds: ["idem-user"] } };
    expect((await publish(ingest, producerToken(), event)).status).toBe(202);
    expect((await publish(ingest, producerToken(), event)).body).toEqual({ id: "idem-1", status: "accepted" });
    const gateway = stack.service("realtime-gateway").url;
    await eventually(async () => ((await api(gateway, token, "GET", "/api/v1/notifications")).body.items.length === 1 ? true : undefined));
    await sleep(300);
    expect(await stack.db.query("SELECT id FROM events WHERE id = 'idem-1'")).toHaveLength(1);
    expect(await stack.db.query("SELECT id FROM notifications WHERE event_id = 'idem-1'")).toHaveLength(1);
  });

  it("refuses sockets with a missing, tampered or expired token", async () => {
    const gateway = stack.service("realtime-gateway").url;
    const valid = userToken("sock-user");
    const tampered = `${valid.slice(0, -3)}${valid.endsWith("A") ? "B" : "A"}xx`;
    const expired = userToken("sock-user", "user", {}, -10);
    for (const token of ["", tampered, expired, producerToken()]) {
      const client = new RecordingClient(gateway, token);
      clients.push(client);
      const error = await client.refused();
      expect(error.data?.code).toMatch(/^token_/);
    }
  });
});
