import { ConnectionRegistry } from "../src/socket/connection-registry";
import { parseHandshakeAuth } from "../src/socket/handshake";
import { PendingHandshakes } from "../src/socket/pending-handshakes";
import { originAllowed } from "../src/socket/origin-policy";
import { fullBucket, takeToken, type TokenBucket } from "../src/socket/token-bucket";
import { checkExpiry, MAX_TIMER_MS } from "../src/socket/token-expiry";

describe("parseHandshakeAuth", () => {
  it.each([
    [undefined, { ok: true, token: undefined, lastNotificationId: undefined }],
    [null, { ok: true, token: undefined, lastNotificationId: undefined }],
    ["a string", { ok: true, token: undefined, lastNotificationId: undefined }],
    [{ token: "" }, { ok: true, token: undefined, lastNotificationId: undefined }],
    [{ token: 42 }, { ok: true, token: undefined, lastNotificationId: undefined }],
    [{ token: "t" }, { ok: true, token: "t", lastNotificationId: undefined }],
    [
      { token: "t", lastNotificationId: null },
      { ok: true, token: "t", lastNotificationId: undefined },
    ],
    [
      { token: "t", lastNotificationId: 0 },
      { ok: true, token: "t", lastNotificationId: 0n },
    ],
    [
      { token: "t", lastNotificationId: 12345 },
      { ok: true, token: "t", lastNotificationId: 12345n },
    ],
    [
      { token: "t", lastNotificationId: "9007199254740991" },
      { ok: true, token: "t", lastNotificationId: 9007199254740991n },
    ],
    [
      { token: "t", lastNotificationId: Number.MAX_SAFE_INTEGER },
      { ok: true, token: "t", lastNotificationId: 9007199254740991n },
    ],
  ])("accepts %p", (auth, expected) => {
    expect(parseHandshakeAuth(auth)).toEqual(expected);
  });

  it.each([
    -1,
    1.5,
    Number.MAX_SAFE_INTEGER + 1,
    Number.NaN,
    "",
    "-3",
    "1e3",
    "12 ",
    "1234567890123456789",
    // Digits, but past 2^53 - 1: echoed back as a JSON number it would be rounded.
    "987654321012345678",
    "9007199254740992",
    true,
    {},
    [1],
  ])("refuses lastNotificationId %p", (id) => {
    expect(parseHandshakeAuth({ token: "t", lastNotificationId: id })).toEqual({
      ok: false,
      message: expect.stringContaining("lastNotificationId"),
    });
  });
});

describe("parseHandshakeAuth: seenIds", () => {
  it.each([
    [{ token: "t", lastNotificationId: 9, seenIds: [9, 7, 4] }, [9, 7, 4]],
    [{ token: "t", lastNotificationId: 9, seenIds: [] }, []],
    [{ token: "t", lastNotificationId: "9", seenIds: ["9", 4] }, [9, 4]],
    [{ token: "t", lastNotificationId: 9, seenIds: null }, undefined],
    [{ token: "t", lastNotificationId: 9, seenIds: Array.from({ length: 100 }, (_, i) => i) }, Array.from({ length: 100 }, (_, i) => i)],
  ])("accepts %j", (auth, seenIds) => {
    expect(parseHandshakeAuth(auth)).toEqual({ ok: true, token: "t", lastNotificationId: 9n, seenIds });
  });

  it.each([
    [{ token: "t", seenIds: [1] }, /needs a lastNotificationId/],
    [{ token: "t", lastNotificationId: 9, seenIds: [1, -2] }, /seenIds/],
    [{ token: "t", lastNotificationId: 9, seenIds: [1.5] }, /seenIds/],
    [{ token: "t", lastNotificationId: 9, seenIds: "1,2" }, /seenIds/],
    [{ token: "t", lastNotificationId: 9, seenIds: [Number.MAX_SAFE_INTEGER + 1] }, /seenIds/],
    [{ token: "t", lastNotificationId: 9, seenIds: Array.from({ length: 101 }, (_, i) => i) }, /at most 100/],
  ])("refuses %j", (auth, message) => {
    expect(parseHandshakeAuth(auth)).toEqual({ ok: false, message: expect.stringMatching(message) });
  });
});

describe("takeToken (inbound message rate)", () => {
  const limits = { ratePerSecond: 10, burst: 3 };

  it("allows a burst, then refuses until time refills a token", () => {
    let bucket: TokenBucket = fullBucket(limits, 0);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = takeToken(bucket, limits, 0);
      outcomes.push(r.allowed);
      bucket = r.bucket;
    }
    expect(outcomes).toEqual([true, true, true, false, false]);
    expect(takeToken(bucket, limits, 99).allowed).toBe(false);
    expect(takeToken(bucket, limits, 100).allowed).toBe(true);
  });

  it("sustains exactly the configured rate", () => {
    let bucket = fullBucket(limits, 0);
    let allowed = 0;
    // One message every 10 ms for 10 s: 1000 attempts, 10/s allowed plus the initial burst.
    for (let t = 0; t < 10_000; t += 10) {
      const r = takeToken(bucket, limits, t);
      bucket = r.bucket;
      if (r.allowed) allowed += 1;
    }
    expect(allowed).toBeGreaterThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(103);
  });

  it("never stores more than the burst, and ignores a clock that goes back", () => {
    const idle = takeToken(fullBucket(limits, 0), limits, 3_600_000);
    expect(idle.bucket.tokens).toBe(limits.burst - 1);
    const back = takeToken({ tokens: 0.5, at: 1000 }, limits, 500);
    expect(back).toEqual({ allowed: false, bucket: { tokens: 0.5, at: 500 } });
  });
});

describe("checkExpiry", () => {
  it("a token without exp never expires", () => {
    expect(checkExpiry(undefined, 0)).toEqual({ expired: false, checkAgainInMs: undefined });
  });

  it("looks again exactly at expiry", () => {
    expect(checkExpiry(100, 99_000)).toEqual({ expired: false, checkAgainInMs: 1000 });
  });

  it("is expired at and after exp", () => {
    expect(checkExpiry(100, 100_000)).toEqual({ expired: true });
    expect(checkExpiry(100, 100_001)).toEqual({ expired: true });
  });

  it("caps the wait at the longest timer Node allows (a longer one would fire at once)", () => {
    expect(checkExpiry(10 ** 10, 0)).toEqual({ expired: false, checkAgainInMs: MAX_TIMER_MS });
  });
});

describe("originAllowed", () => {
  const allowed = ["https://app.example", "http://localhost:5173"];

  it.each([
    [undefined, undefined, true],
    ["https://evil.example", undefined, true],
    [undefined, allowed, true],
    ["https://app.example", allowed, true],
    ["http://localhost:5173", allowed, true],
    ["https://evil.example", allowed, false],
    ["https://app.example.evil.example", allowed, false],
    ["http://app.example", allowed, false],
    ["https://app.example:443", allowed, false],
    ["null", allowed, false],
    ["https://app.example", [], false],
  ] as const)("origin %p with %p → %p", (origin, list, expected) => {
    expect(originAllowed(origin, list)).toBe(expected);
  });
});

describe("ConnectionRegistry", () => {
  it("holds each user to the limit, independently, and frees room on removal", () => {
    const registry = new ConnectionRegistry(2);
    expect([registry.add("a", "s1"), registry.add("a", "s2"), registry.add("a", "s3")]).toEqual([true, true, false]);
    expect(registry.hasRoom("a")).toBe(false);
    expect(registry.add("b", "s4")).toBe(true);
    expect([registry.socketCount, registry.userCount, registry.countFor("a")]).toEqual([3, 2, 2]);
    registry.remove("a", "s1");
    expect(registry.hasRoom("a")).toBe(true);
    expect(registry.add("a", "s5")).toBe(true);
  });

  it("counts a socket once, and forgets users with none left", () => {
    const registry = new ConnectionRegistry(5);
    registry.add("a", "s1");
    registry.add("a", "s1");
    expect(registry.socketCount).toBe(1);
    registry.remove("a", "s1");
    registry.remove("a", "s1");
    registry.remove("nobody", "s9");
    expect([registry.socketCount, registry.userCount]).toEqual([0, 0]);
  });
});

describe("PendingHandshakes", () => {
  it("has room for `max` connections not yet authenticated; one that authenticates or closes makes room, once", () => {
    const pending = new PendingHandshakes(2);
    const [a, b, c] = [{}, {}, {}];
    pending.opened(a);
    expect(pending.hasRoom()).toBe(true);
    pending.opened(b);
    expect([pending.hasRoom(), pending.count]).toEqual([false, 2]);
    pending.settled(a); // authenticated
    expect(pending.hasRoom()).toBe(true);
    pending.opened(c);
    pending.settled(a); // ...and later closed: already not counted
    expect([pending.hasRoom(), pending.count]).toEqual([false, 2]);
    pending.settled(b);
    pending.settled(c);
    expect(pending.count).toBe(0);
  });
});
