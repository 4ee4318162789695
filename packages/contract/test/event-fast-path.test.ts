import { DEFAULT_MAX_PAYLOAD_BYTES } from "../src";
import { publishEventSchema, validateEvent } from "../src/schemas";
import { parseEventFast } from "../src/schemas/event-fast-path";

/**
 * parseEventFast may only ever say what publishEventSchema says: for every
 * input, either it steps aside (undefined, and zod judges) or zod accepts the
 * input too and produces the very same data, key order included (the
 * payload is stored as sent in that order).
 */
function expectSameAsZod(input: unknown): "fast" | "zod" {
  const zod = publishEventSchema.safeParse(input);
  const fast = parseEventFast(input);
  if (fast === undefined) return "zod";
  expect(zod.success).toBe(true);
  expect(fast).toEqual(zod.data);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
  return "fast";
}

const base = {
  id: "job-17:done",
  type: "job.completed",
  occurredAt: "2026-11-22T12:00:00+02:00",
  actorUserId: "ci",
  projectId: "p1",
  source: { type: "job", id: "job-17" },
  payload: { jobName: "train", ownerUserId: "u1", reviewerUserIds: ["u2", 3], extra: { nested: [1, "two", null] } },
  recipients: ["u1", 42, "u1"],
  groupKey: "p1:train",
  url: "https://ci.example/jobs/17?tab=log",
  actions: [
    { id: "retry", label: "Retry" },
    { label: "Open logs", id: "logs" },
  ],
  tenantId: "acme",
};

const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);

describe("parseEventFast takes the plainly valid events, with zod's data", () => {
  it.each<[string, unknown]>([
    ["every field", base],
    ["only a type", { type: "job.started" }],
    ["the bench's event", { id: "0b9a", type: "job.completed", actorUserId: "u1", recipients: ["u1"], payload: { gpu: "A100" } }],
    ["numeric user ids, 0 included", { type: "job.failed", actorUserId: 0, payload: { ownerUserId: 7, notifyUserIds: [0, 1] } }],
    [
      "payload recipient fields after other keys (zod puts them first)",
      { type: "collab.mention", payload: { a: 1, mentionedUserIds: ["x"], ownerUserId: "o" } },
    ],
    ["source keys in the other order", { type: "job.failed", source: { id: "1", type: "job" } }],
    [
      "ids at their length limits",
      { type: "job.failed", id: "i".repeat(128), actorUserId: "a".repeat(128), source: { type: "t".repeat(64), id: "s".repeat(128) } },
    ],
    ["1000 recipients", { type: "collab.mention", recipients: Array.from({ length: 1000 }, (_, i) => `u${i}`) }],
    ["non-ASCII text without surrogates", { type: "job.failed", actorUserId: "Müller-€", projectId: "проект" }],
    ["an empty payload and empty lists", { type: "job.failed", payload: {}, recipients: [] }],
    ["occurredAt in years 0001 and 9999", { type: "job.failed", occurredAt: "0001-01-01T00:00:00Z" }],
    ["occurredAt at 9999's end", { type: "job.failed", occurredAt: "9999-12-31T23:59:59.999Z" }],
    [
      "a path as url, and the most actions",
      { type: "review.submitted", url: "/reviews/9", actions: [1, 2, 3].map((i) => ({ id: `a${i}`, label: "x".repeat(40) })) },
    ],
    ["a groupKey at its limit", { type: "job.completed", groupKey: "g".repeat(200) }],
    ["payload text that only the payload check judges", { type: "job.failed", payload: { log: "a\u0000b", deep: nest(40) } }],
  ])("%s", (_name, input) => {
    expect(expectSameAsZod(input)).toBe("fast");
  });
});

describe("parseEventFast keeps the payload as sent when zod's copy would be the same", () => {
  it("the very payload object and lists, when the recipient fields are text and come first in the schema's order", () => {
    const input = { type: "review.submitted", payload: { ownerUserId: "o", reviewerUserIds: ["a", "b"], note: "n" } };
    expect(expectSameAsZod(input)).toBe("fast");
    expect(parseEventFast(input)!.payload).toBe(input.payload);
    expect(parseEventFast(input)!.payload!.reviewerUserIds).toBe(input.payload.reviewerUserIds);
  });

  it.each<[string, Record<string, unknown>]>([
    ["recipient fields out of the schema's order", { reviewerUserIds: ["a"], ownerUserId: "o", note: "n" }],
    ["a recipient field after another key", { note: "n", ownerUserId: "o" }],
    ["a numeric id in a list", { reviewerUserIds: ["a", 2] }],
    ["a numeric owner", { ownerUserId: 2, note: "n" }],
  ])("a copy, in zod's order, for %s", (_name, payload) => {
    const input = { type: "review.submitted", payload };
    expect(expectSameAsZod(input)).toBe("fast");
    expect(parseEventFast(input)!.payload).not.toBe(payload);
  });
});

describe("parseEventFast steps aside for whatever zod refuses or might", () => {
  it.each<[string, unknown]>([
    ["not an object", [base]],
    ["null", null],
    ["a string", "job.completed"],
    ["an object of another class", new Date()],
    ["no type", { id: "x" }],
    ["an unknown type", { type: "job.exploded" }],
    ["an unknown field", { ...base, colour: "red" }],
    ["a field that is undefined", { type: "job.failed", id: undefined }],
    ["an empty id", { type: "job.failed", id: "" }],
    ["an id too long", { type: "job.failed", id: "i".repeat(129) }],
    ["an id with a space", { type: "job.failed", id: "a b" }],
    ["a NUL in the id", { type: "job.failed", id: "a\u0000" }],
    ["a NUL in actorUserId", { type: "job.failed", actorUserId: "a\u0000" }],
    ["a DEL in projectId", { type: "job.failed", projectId: "p\u007f" }],
    ["a NUL in a recipient", { type: "job.failed", recipients: ["u1", "u\u0000"] }],
    ["a NUL in ownerUserId", { type: "job.failed", payload: { ownerUserId: "u\u0000" } }],
    ["a NUL in source.type", { type: "job.failed", source: { type: "j\u0000", id: "1" } }],
    ["a lone high surrogate", { type: "job.failed", actorUserId: "x\ud800" }],
    ["a lone low surrogate", { type: "job.failed", source: { type: "job", id: "\udc00" } }],
    ["a surrogate pair (valid, left to zod)", { type: "job.failed", actorUserId: "😀" }],
    ["an empty actorUserId", { type: "job.failed", actorUserId: "" }],
    ["an actorUserId too long", { type: "job.failed", actorUserId: "a".repeat(129) }],
    ["a source.type too long", { type: "job.failed", source: { type: "t".repeat(65), id: "1" } }],
    ["a source with an extra key", { type: "job.failed", source: { type: "job", id: "1", x: 1 } }],
    ["a source without id", { type: "job.failed", source: { type: "job" } }],
    ["a negative user id", { type: "job.failed", actorUserId: -1 }],
    ["-0 as a user id (valid, left to zod)", { type: "job.failed", actorUserId: -0 }],
    ["a fractional user id", { type: "job.failed", payload: { ownerUserId: 1.5 } }],
    ["an unsafe integer user id", { type: "job.failed", recipients: [2 ** 53] }],
    ["NaN as a user id", { type: "job.failed", recipients: [Number.NaN] }],
    ["a boolean user id", { type: "job.failed", actorUserId: true }],
    ["recipients not a list", { type: "job.failed", recipients: "u1" }],
    ["1001 recipients", { type: "collab.mention", recipients: Array.from({ length: 1001 }, (_, i) => `u${i}`) }],
    ["reviewerUserIds not a list", { type: "review.submitted", payload: { reviewerUserIds: "u1" } }],
    ["ownerUserId an object", { type: "job.failed", payload: { ownerUserId: { id: 1 } } }],
    ["ownerUserId undefined", { type: "job.failed", payload: { ownerUserId: undefined } }],
    ["payload not an object", { type: "job.failed", payload: "x" }],
    ["payload an array", { type: "job.failed", payload: [1] }],
    ["a __proto__ key in the payload", JSON.parse('{"type":"job.failed","payload":{"__proto__":{"admin":true},"a":1}}')],
    ["occurredAt not a date", { type: "job.failed", occurredAt: "yesterday" }],
    ["occurredAt without an offset", { type: "job.failed", occurredAt: "2026-11-22T12:00:00" }],
    ["occurredAt in year 0", { type: "job.failed", occurredAt: "0000-01-01T00:00:00Z" }],
    ["occurredAt past 9999 in UTC", { type: "job.failed", occurredAt: "9999-12-31T23:00:00-02:00" }],
    ["occurredAt a number", { type: "job.failed", occurredAt: 1764000000000 }],
    ["a type only Herald publishes", { type: "notification.action" }],
    ["a javascript: url", { type: "job.failed", url: "javascript:alert(1)" }],
    ["a protocol-relative url", { type: "job.failed", url: "//evil.example/x" }],
    ["a /\\ url", { type: "job.failed", url: "/\\evil.example" }],
    ["a relative url", { type: "job.failed", url: "jobs/1" }],
    ["a url with credentials", { type: "job.failed", url: "https://u:p@ci.example/" }],
    ["a url with a space", { type: "job.failed", url: "/jobs/ 1" }],
    ["a url too long", { type: "job.failed", url: "/" + "x".repeat(2048) }],
    ["4 actions", { type: "job.failed", actions: [1, 2, 3, 4].map((i) => ({ id: `a${i}`, label: "A" })) }],
    [
      "repeated action ids",
      {
        type: "job.failed",
        actions: [
          { id: "a", label: "A" },
          { id: "a", label: "B" },
        ],
      },
    ],
    ["an action id with capitals", { type: "job.failed", actions: [{ id: "Retry", label: "Retry" }] }],
    ["an action label too long", { type: "job.failed", actions: [{ id: "a", label: "x".repeat(41) }] }],
    ["an action with an extra key", { type: "job.failed", actions: [{ id: "a", label: "A", style: "red" }] }],
    ["a groupKey too long", { type: "job.failed", groupKey: "g".repeat(201) }],
    ["an empty groupKey", { type: "job.failed", groupKey: "" }],
  ])("%s", (_name, input) => {
    expect(expectSameAsZod(input)).toBe("zod");
  });
});

describe("parseEventFast agrees with zod on every field of an event replaced by every awkward value", () => {
  const values: unknown[] = [
    undefined,
    null,
    true,
    0,
    -0,
    7,
    -1,
    1.5,
    2 ** 53,
    Number.NaN,
    "",
    "ok",
    "a b",
    "x".repeat(65),
    "x".repeat(129),
    "\u0000",
    "tab\t",
    "\ud800",
    "😀",
    "é",
    "2026-11-22T12:00:00Z",
    "0000-01-01T00:00:00Z",
    "job.completed",
    [],
    ["u1"],
    [1, "u2"],
    ["\u0000"],
    {},
    { type: "job", id: "1" },
    { ownerUserId: "u" },
    { ownerUserId: 3, reviewerUserIds: ["a", 4], note: "n" },
    { notifyUserIds: "u" },
    "/jobs/1",
    "https://ci.example/x",
    "ftp://ci.example/x",
    "//ci.example",
    [{ id: "ok", label: "OK" }],
    [{ id: "ok", label: "" }],
    [
      { id: "ok", label: "OK" },
      { id: "ok", label: "OK" },
    ],
  ];
  const fields = [...Object.keys(base), "ownerUserId", "reviewerUserIds", "mentionedUserIds"] as const;
  const cases = fields.flatMap((field) =>
    values.map((value, i): [string, number, unknown] => {
      const payloadField = !(field in base);
      const input = payloadField ? { ...base, payload: { ...base.payload, [field]: value } } : { ...base, [field]: value };
      return [field, i, input];
    }),
  );

  it.each(cases)("%s = values[%i]", (_field, _i, input) => {
    expectSameAsZod(input);
  });

  it("takes most of those zod accepts itself (the comparison is not vacuous)", () => {
    const valid = cases.filter(([, , input]) => publishEventSchema.safeParse(input).success);
    const fast = valid.filter(([, , input]) => parseEventFast(input) !== undefined);
    expect(fast.length).toBeGreaterThan(valid.length * 0.6);
  });
});

describe("validateEvent still checks the payload and the recipients of events the fast path takes", () => {
  const now = new Date("2026-11-22T10:00:00.000Z");
  const check = (input: unknown, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES) => {
    expect(parseEventFast(input)).toBeDefined();
    const result = validateEvent(input, { now, maxPayloadBytes });
    return result.ok ? [] : result.issues;
  };

  it.each<[string, unknown, string, RegExp]>([
    ["a NUL in a payload string", { type: "job.failed", payload: { log: "a\u0000b" } }, "payload.log", /NUL/],
    ["a NUL in a payload key", { type: "job.failed", payload: { x: { "k\u0000": 1 } } }, "payload.x.k\u0000", /NUL/],
    ["a lone surrogate in payload text", { type: "job.failed", payload: { title: "\ud800" } }, "payload.title", /surrogate/],
    ["a payload nested 33 levels", { type: "job.failed", payload: { x: nest(32) } }, "payload.x" + ".0".repeat(31), /32 levels/],
  ])("%s", (_name, input, path, message) => {
    expect(check(input)).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it("a payload over INGEST_MAX_PAYLOAD_BYTES, to the byte", () => {
    const input = { type: "job.failed", payload: { log: "x".repeat(100) } }; // {"log":"…"}: 10 bytes + 100
    expect(check(input, 110)).toEqual([]);
    expect(check(input, 109)).toEqual([{ path: "payload", message: "must serialize to at most 109 bytes of JSON (got 110)" }]);
  });

  it("more than 1000 distinct recipients across the payload's fields", () => {
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    expect(check({ type: "collab.mention", payload: { mentionedUserIds: ids("u", 600), notifyUserIds: ids("v", 401) } })).toEqual([
      { path: "payload", message: "names 1001 distinct recipients; an event may name at most 1000" },
    ]);
  });

  it("builds the same event from the fast path's data as from zod's, field by field and in order", () => {
    const result = validateEvent(base, { now, producer: "svc", tenant: "acme" });
    expect(result.ok && JSON.stringify(result.event)).toBe(
      JSON.stringify({
        id: "job-17:done",
        type: "job.completed",
        occurredAt: "2026-11-22T10:00:00.000Z",
        receivedAt: "2026-11-22T10:00:00.000Z",
        actorUserId: "ci",
        projectId: "p1",
        source: { type: "job", id: "job-17" },
        payload: { ownerUserId: "u1", reviewerUserIds: ["u2", "3"], jobName: "train", extra: { nested: [1, "two", null] } },
        recipients: ["u1", "42"],
        groupKey: "p1:train",
        url: "https://ci.example/jobs/17?tab=log",
        actions: [
          { id: "retry", label: "Retry" },
          { id: "logs", label: "Open logs" },
        ],
        producer: "svc",
        tenantId: "acme",
      }),
    );
  });
});
