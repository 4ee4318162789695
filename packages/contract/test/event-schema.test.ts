import { EVENT_TYPES } from "../src";
import { checkStorableJson, parseStreamEvent, validateEvent } from "../src/schemas";
import type { ValidationIssue } from "../src";

const now = new Date("2026-11-22T10:00:00.000Z");
const validate = (input: unknown, pathPrefix?: string) => validateEvent(input, { now, producer: "svc", pathPrefix });

describe("the event catalog", () => {
  it("has the contract's 16 types with their categories and critical flags", () => {
    expect(EVENT_TYPES).toHaveLength(16);
    const critical = EVENT_TYPES.filter((t) => t.critical).map((t) => t.name);
    expect(critical).toEqual(["system.disk_warning", "system.gpu_warning", "system.gpu_critical", "system.restart"]);
    for (const t of EVENT_TYPES) {
      const prefix = t.name.split(".")[0];
      expect(t.category).toBe(prefix === "collab" ? "collaboration" : prefix);
    }
  });
});

describe("validateEvent", () => {
  it("fills in id, occurredAt and producer, and normalizes numeric user ids", () => {
    const result = validate({ type: "job.completed", actorUserId: 7, payload: { ownerUserId: 42, extra: { nested: true } } });
    expect(result).toEqual({
      ok: true,
      event: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: "job.completed",
        occurredAt: now.toISOString(),
        receivedAt: now.toISOString(),
        actorUserId: "7",
        payload: { ownerUserId: "42", extra: { nested: true } },
        producer: "svc",
        tenantId: "default",
      },
    });
  });

  it.each([
    ["a tenant's producer, naming none", "acme", undefined, "acme"],
    ["a tenant's producer, naming its own", "acme", "acme", "acme"],
    ["a tenant's producer, naming another (kept, for the 403)", "acme", "globex", "globex"],
    ["a platform producer, naming one", "*", "globex", "globex"],
    ["a platform producer, naming none", "*", undefined, "default"],
    ["no tenant in the context", undefined, undefined, "default"],
  ])("gives the event its tenant: %s", (_, tenant, named, expected) => {
    const result = validateEvent({ type: "job.failed", ...(named && { tenantId: named }) }, { now, ...(tenant && { tenant }) });
    expect(result.ok && result.event.tenantId).toBe(expected);
  });

  it.each(["", "a b", "x".repeat(65), "acme/1", "*"])("refuses tenantId %j with a field-level 400", (tenantId) => {
    const result = validate({ type: "job.failed", tenantId });
    expect(result).toMatchObject({ ok: false, code: "invalid_event", issues: [{ path: "tenantId" }] });
  });

  it("keeps the producer's id and normalizes occurredAt to UTC", () => {
    const result = validate({ id: "job-1:done", type: "job.failed", occurredAt: "2026-11-22T12:00:00+02:00", recipients: ["a", "a", "b"] });
    expect(result.ok && result.event).toMatchObject({ id: "job-1:done", occurredAt: "2026-11-22T10:00:00.000Z", recipients: ["a", "b"] });
  });

  it.each([
    ["unknown type", { type: "job.exploded" }, "unknown_event_type", "type"],
    ["missing type", {}, "invalid_event", "type"],
    ["not an object", [1, 2], "invalid_event", ""],
    ["bad occurredAt", { type: "job.failed", occurredAt: "noon" }, "invalid_event", "occurredAt"],
    ["bad id characters", { type: "job.failed", id: "a b" }, "invalid_event", "id"],
    ["unknown top-level field", { type: "job.failed", colour: "red" }, "invalid_event", ""],
    ["source without id", { type: "job.failed", source: { type: "job" } }, "invalid_event", "source.id"],
    ["recipients not a list", { type: "job.failed", recipients: "u1" }, "invalid_event", "recipients"],
    [
      "reviewerUserIds not a list",
      { type: "review.submitted", payload: { reviewerUserIds: "u1" } },
      "invalid_event",
      "payload.reviewerUserIds",
    ],
    ["ownerUserId an object", { type: "job.failed", payload: { ownerUserId: { id: 1 } } }, "invalid_event", "payload.ownerUserId"],
    ["payload not an object", { type: "job.failed", payload: "x" }, "invalid_event", "payload"],
  ])("rejects %s", (_name, input, code, path) => {
    const result = validate(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.issues.map((i) => i.path)).toContain(path);
    }
  });

  it("prefixes issue paths with the event's place in a batch", () => {
    const result = validate({ type: "nope" }, "events.3");
    expect(!result.ok && result.issues).toEqual([{ path: "events.3.type", message: "unknown event type" }]);
  });
});

describe("validateEvent refuses what PostgreSQL cannot store", () => {
  const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });
  const issuesOf = (input: unknown, context: { maxPayloadBytes?: number } = {}) => {
    const result = validateEvent(input, { now, ...context });
    return result.ok ? [] : result.issues;
  };

  it.each([
    ["a NUL in a payload string", { type: "job.failed", payload: { log: ["ok", "bad\u0000"] } }, "payload.log.1", /NUL/],
    ["a NUL in a payload key", { type: "job.failed", payload: { meta: { "a\u0000b": 1 } } }, "payload.meta.a\u0000b", /key.*NUL/],
    ["a lone high surrogate", { type: "job.failed", payload: { title: "x\ud800y" } }, "payload.title", /surrogate/],
    ["a lone low surrogate", { type: "job.failed", payload: { title: "\udc00" } }, "payload.title", /surrogate/],
    ["a NUL in actorUserId", { type: "job.failed", actorUserId: "u\u0000" }, "actorUserId", /control/],
    ["a NUL in ownerUserId", { type: "job.failed", payload: { ownerUserId: "u\u0000" } }, "payload.ownerUserId", /control/],
    ["a NUL in a recipient", { type: "job.failed", recipients: ["ok", "\u0000"] }, "recipients.1", /control/],
    ["a NUL in projectId", { type: "job.failed", projectId: "p\u0000" }, "projectId", /control/],
    ["a lone surrogate in source.id", { type: "job.failed", source: { type: "job", id: "\ud83d" } }, "source.id", /Unicode/],
    ["occurredAt in year 0", { type: "job.failed", occurredAt: "0000-06-01T00:00:00Z" }, "occurredAt", /0001/],
    ["occurredAt past 9999 in UTC", { type: "job.failed", occurredAt: "9999-12-31T23:30:00-01:00" }, "occurredAt", /9999/],
    ["occurredAt before 0001 in UTC", { type: "job.failed", occurredAt: "0001-01-01T00:30:00+01:00" }, "occurredAt", /0001/],
    ["a payload 33 levels deep", { type: "job.failed", payload: nested(33) }, "payload" + ".a".repeat(32), /32 levels/],
    ["a payload 10,000 levels deep", { type: "job.failed", payload: nested(10_000) }, "payload" + ".a".repeat(32), /32 levels/],
  ])("refuses %s, naming the field", (_name, input, path, message) => {
    const issues = issuesOf(input);
    expect(issues).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it("accepts what is storable: 32 levels, paired surrogates, controls other than NUL in payload text, years 0001 and 9999", () => {
    expect(issuesOf({ type: "job.failed", payload: nested(32) })).toEqual([]);
    expect(issuesOf({ type: "job.failed", payload: { s: "😀 tab\t newline\n del\u007f \u0001", ключ: "é" } })).toEqual([]);
    expect(issuesOf({ type: "job.failed", occurredAt: "0001-01-01T00:00:00Z" })).toEqual([]);
    expect(issuesOf({ type: "job.failed", occurredAt: "9999-12-31T23:59:59Z" })).toEqual([]);
  });

  it("caps the payload's serialized size, to the byte", () => {
    const payload = { log: "é".repeat(100) }; // {"log":"…"}: 10 bytes + 200
    expect(issuesOf({ type: "job.failed", payload }, { maxPayloadBytes: 210 })).toEqual([]);
    expect(issuesOf({ type: "job.failed", payload }, { maxPayloadBytes: 209 })).toEqual([
      { path: "payload", message: "must serialize to at most 209 bytes of JSON (got 210)" },
    ]);
  });

  it("refuses an event naming more than 1000 distinct recipients, counting every recipient field", () => {
    const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    expect(issuesOf({ type: "collab.mention", payload: { mentionedUserIds: [...ids("u", 1000), "u1"] } })).toEqual([
      { path: "payload.mentionedUserIds", message: expect.stringContaining("1000") },
    ]);
    expect(issuesOf({ type: "collab.mention", payload: { mentionedUserIds: ids("u", 1000), ownerUserId: "u1" } })).toEqual([]);
    expect(issuesOf({ type: "collab.mention", payload: { mentionedUserIds: ids("u", 600), notifyUserIds: ids("v", 401) } })).toEqual([
      { path: "payload", message: "names 1001 distinct recipients; an event may name at most 1000" },
    ]);
    // Explicit recipients replace the per-type fields, so only they count.
    expect(
      issuesOf({ type: "collab.mention", recipients: ids("r", 10), payload: { mentionedUserIds: ids("u", 1000), ownerUserId: "x" } }),
    ).toEqual([]);
  });

  it("reports schema and payload problems together, each field once, under the batch prefix", () => {
    const result = validateEvent(
      { type: "job.failed", payload: { ownerUserId: "\u0000", note: "\u0000" } },
      { now, pathPrefix: "events.2" },
    );
    expect(!result.ok && result.issues.map((i) => i.path).sort()).toEqual(["events.2.payload.note", "events.2.payload.ownerUserId"]);
  });
});

describe("checkStorableJson", () => {
  const size = (value: unknown) => {
    const issues: ValidationIssue[] = [];
    checkStorableJson(value, { maxDepth: 100, maxBytes: 0 }, "", issues);
    const reported = issues.at(-1)?.message.match(/got (\d+)/)?.[1];
    return reported === undefined ? 0 : Number(reported);
  };

  it("counts exactly the bytes JSON.stringify writes in UTF-8", () => {
    const samples: unknown[] = [
      {},
      [],
      { a: [1, -2.5e-7, true, false, null, "x"], b: {} },
      { 'quote"back\\slash': "\b\f\n\r\t\u0001\u001f\u007f" },
      ["ascii", "é", "€", "😀", "a😀b", "\u2028"],
      { nested: [[[{ deep: ["end"] }]]] },
    ];
    for (const value of samples) expect({ value, bytes: size(value) }).toEqual({ value, bytes: Buffer.byteLength(JSON.stringify(value)) });
  });
});

describe("parseStreamEvent", () => {
  it("reads back what validateEvent produced", () => {
    const result = validate({ type: "collab.lock", payload: { notifyUserIds: ["u"] } });
    expect(result.ok && parseStreamEvent(JSON.stringify(result.event))).toEqual(result.ok && result.event);
  });

  it.each([["not json"], ['{"id":"x","type":"nope","occurredAt":"t","payload":{}}'], ['{"type":"job.failed"}']])("rejects %s", (raw) => {
    expect(parseStreamEvent(raw)).toBeUndefined();
  });
});
