import { buildDigest, digestBody, digestTitle, DIGEST_ITEM_LIMIT, type DigestItem } from "../src";
import { preferenceUpdateSchema, settingsUpdateSchema } from "../src/schemas";

const item = (id: number, type: string): DigestItem => ({
  notificationId: id,
  eventId: `e${id}`,
  type,
  title: type,
  body: `body ${id}`,
  createdAt: new Date(1_700_000_000_000 + id * 1000).toISOString(),
});
const from = new Date("2026-11-22T08:00:00Z");
const to = new Date("2026-11-22T09:00:00Z");

describe("buildDigest", () => {
  it("counts jobs completed, jobs failed and items awaiting review, newest items first", () => {
    const digest = buildDigest(
      [item(1, "job.completed"), item(2, "job.failed"), item(3, "job.completed"), item(4, "review.submitted"), item(5, "collab.mention")],
      from,
      to,
    );
    expect(digest.counts).toEqual({ jobsCompleted: 2, jobsFailed: 1, awaitingReview: 1, total: 5 });
    expect(digest.items.map((i) => i.notificationId)).toEqual([5, 4, 3, 2, 1]);
    expect([digest.from, digest.to]).toEqual([from.toISOString(), to.toISOString()]);
    expect(digestTitle(digest)).toBe("Your digest: 5 updates");
    expect(digestBody(digest)).toBe("2 jobs completed, 1 job failed, 1 item awaiting review, 1 other update");
  });

  it("keeps the list short but counts everything", () => {
    const many = Array.from({ length: DIGEST_ITEM_LIMIT + 7 }, (_, i) => item(i + 1, "job.completed"));
    const digest = buildDigest(many, from, to);
    expect(digest.items).toHaveLength(DIGEST_ITEM_LIMIT);
    expect(digest.items[0]!.notificationId).toBe(DIGEST_ITEM_LIMIT + 7);
    expect(digest.counts.jobsCompleted).toBe(DIGEST_ITEM_LIMIT + 7);
    expect(digestBody(digest)).toBe(`${DIGEST_ITEM_LIMIT + 7} jobs completed`);
  });

  it("an empty period counts nothing", () => {
    const digest = buildDigest([], from, to);
    expect(digest.counts).toEqual({ jobsCompleted: 0, jobsFailed: 0, awaitingReview: 0, total: 0 });
    expect(digestTitle(digest)).toBe("Your digest: 0 updates");
  });
});

describe("preference and settings validation", () => {
  // Exercised end to end in test/e2e/routing-preferences.test.ts; the pure rules here.
  it.each([
    [{ channels: ["in_app", "email", "webhook"] }, true],
    [{ channels: [] }, true],
    [{ scope: "my_projects", enabled: false }, true],
    [{ channels: ["sms"] }, false],
    [{}, false],
    [{ scope: "everyone" }, false],
  ])("preference %j valid=%s", (body, valid) => {
    expect(preferenceUpdateSchema.safeParse(body).success).toBe(valid);
  });
  it.each([
    [{ dndEnabled: true, dndUntil: "2026-11-22T10:00:00+01:00" }, true],
    [{ dndUntil: null }, true],
    [{ digestTypes: ["job.completed", "collab.mention"] }, true],
    [{ webhookUrl: "http://127.0.0.1:9999/hook" }, true],
    [{ digestTypes: ["system.disk_warning"] }, false],
    [{ email: "x@" }, false],
    [{ webhookUrl: "javascript:alert(1)" }, false],
  ])("settings %j valid=%s", (body, valid) => {
    expect(settingsUpdateSchema.safeParse(body).success).toBe(valid);
  });
});
