import { GATEWAY_EVENTS, SOCKET_EVENTS } from "@herald/contract";
import { backoffDelay, EVENTS, nextStep, SeenIds, seenWindow, tokenExpiry, type ErrorCode } from "../src";

describe("EVENTS", () => {
  it("names the same events as the gateway's protocol in @herald/contract", () => {
    expect(EVENTS).toEqual({ ...SOCKET_EVENTS, ...GATEWAY_EVENTS });
  });
});

describe("SeenIds", () => {
  it("reports repeats, including an older id seen before, and accepts an older id never seen (one committed late by another router)", () => {
    const seen = new SeenIds();
    expect([seen.add(5), seen.add(7), seen.add(5), seen.add(7)]).toEqual([true, true, false, false]);
    expect(seen.add(6)).toBe(true);
  });

  it("lets a grouped notification's update through (same id, higher count), not a repeat of it (same or lower count)", () => {
    const seen = new SeenIds();
    expect([seen.add(9), seen.add(9, 1), seen.add(9, 3), seen.add(9, 3), seen.add(9, 2), seen.add(9, 4)]).toEqual([
      true,
      false,
      true,
      false,
      false,
      true,
    ]);
    expect([...seen.values()]).toEqual([9]);
  });

  it("forgets the oldest beyond its capacity", () => {
    const seen = new SeenIds(3);
    [1, 2, 3, 4].forEach((id) => seen.add(id));
    expect(seen.size).toBe(3);
    expect([seen.has(1), seen.has(2), seen.has(4)]).toEqual([false, true, true]);
  });
});

describe("seenWindow (the seenIds a reconnect sends)", () => {
  it.each([
    ["nothing received since the starting cursor", [], 40, 40, 100, [40]],
    ["received above the floor: newest first, then the floor", [41, 43, 44], 40, 44, 100, [44, 43, 41, 40]],
    ["ids at or below the floor, or above the cursor, are left out", [12, 40, 41, 45], 40, 44, 100, [41, 40]],
    ["more than fit: the newest, without the floor", [41, 42, 43, 44, 45], 40, 45, 3, [45, 44, 43]],
    ["exactly as many as fit: still without the floor", [41, 42, 43], 40, 43, 3, [43, 42, 41]],
    ["a fresh user's floor is 0", [7], 0, 7, 100, [7, 0]],
  ])("%s", (_label, seen, floor, cursor, max, expected) => {
    expect(seenWindow(seen, floor, cursor, max)).toEqual(expected);
  });

  it("sends at most CATCH_UP_WINDOW ids by default, the newest", () => {
    const seen = Array.from({ length: 150 }, (_, i) => i + 1);
    const sent = seenWindow(seen, 0, 150);
    expect(sent).toHaveLength(100);
    expect([sent[0], sent.at(-1)]).toEqual([150, 51]);
  });
});

describe("nextStep", () => {
  const table: [ErrorCode | undefined, boolean, string][] = [
    [undefined, false, "retry"],
    [undefined, true, "retry"],
    ["rate_limited", false, "retry"],
    ["catch_up_failed", false, "retry"],
    ["unavailable", true, "retry"],
    ["token_expired", true, "refresh"],
    ["token_expired", false, "stop"],
    ["token_missing", true, "stop"],
    ["token_invalid", true, "stop"],
    ["subject_mismatch", true, "stop"],
    ["invalid_handshake", true, "stop"],
    ["origin_not_allowed", true, "stop"],
    ["too_many_connections", true, "stop"],
  ];
  it.each(table)("%p (token function: %p) → %p", (code, canRefresh, step) => {
    expect(nextStep(code, canRefresh)).toBe(step);
  });
});

describe("backoffDelay", () => {
  it("doubles the ceiling per attempt up to the cap, with full jitter", () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a + 1, { initialMs: 500, maxMs: 10_000 }, () => 1))).toEqual([
      500, 1000, 2000, 4000, 10_000,
    ]);
    expect(backoffDelay(3 + 1, { initialMs: 500, maxMs: 10_000 }, () => 0)).toBe(0);
    expect(backoffDelay(1 + 1, { initialMs: 500, maxMs: 10_000 }, () => 0.5)).toBe(500);
  });
});

describe("tokenExpiry", () => {
  const jwt = (payload: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.sig`;
  it("reads exp without verifying", () => {
    expect(tokenExpiry(jwt({ sub: "1", exp: 1_900_000_000 }))).toBe(1_900_000_000);
    // base64url characters (- and _) and missing padding
    expect(tokenExpiry(jwt({ sub: "ÿÿÿ>>>???", exp: 7 }))).toBe(7);
  });
  it.each(["", "abc", "a.!!!.c", jwt({ sub: "1" }), jwt({ exp: "soon" })])("undefined for %p", (token) => {
    expect(tokenExpiry(token)).toBeUndefined();
  });
});
