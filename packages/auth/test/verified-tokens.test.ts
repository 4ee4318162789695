import jwt from "jsonwebtoken";
import { loadAuthConfig, signToken, TokenError, VerifiedTokens, verifyToken } from "../src";

const auth = loadAuthConfig({ JWT_SECRET: "a-test-secret-that-is-long-enough-123" });
const T0 = Date.parse("2026-11-22T10:00:00Z");

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TokenError) return { refused: error.reason, message: error.message };
    throw error;
  }
}

describe("VerifiedTokens", () => {
  let clock = T0;
  beforeEach(() => {
    clock = T0;
    jest.spyOn(Date, "now").mockImplementation(() => clock);
  });
  afterEach(() => jest.restoreAllMocks());

  const expiringIn = (seconds: number, sub = "billing") => signToken({ kind: "service", sub }, auth, seconds);

  it("answers what verifyToken answers, for good and bad tokens alike", () => {
    const tokens = new VerifiedTokens(auth);
    const cases = [
      expiringIn(60),
      signToken({ kind: "user", sub: "42", role: "admin" }, auth),
      jwt.sign({ sub: "x", scope: "events:publish" }, "another-secret"),
      jwt.sign({ sub: null, scope: "events:publish" }, auth.verificationKey),
      jwt.sign({ sub: "x", scope: "events:publish" }, auth.verificationKey, { notBefore: 60 }),
      "not-a-jwt",
      "",
      undefined,
    ];
    for (const token of cases) {
      const expected = outcome(() => verifyToken(token, auth));
      // Twice: once verified, once (when it verified) from the cache.
      expect(outcome(() => tokens.verify(token))).toEqual(expected);
      expect(outcome(() => tokens.verify(token))).toEqual(expected);
    }
    // Only the two that verified are held.
    expect(tokens.size).toBe(2);
  });

  it("never remembers a refusal: a token refused before its nbf is accepted once it is valid", () => {
    const tokens = new VerifiedTokens(auth);
    const token = jwt.sign({ sub: "x", scope: "events:publish" }, auth.verificationKey, { notBefore: 60 });
    expect(outcome(() => tokens.verify(token))).toMatchObject({ refused: "invalid" });
    clock += 61_000;
    expect(tokens.verify(token)).toMatchObject({ kind: "service", subject: "x" });
  });

  it("serves a verified token from the cache until its exp, and refuses it as expired from the second exp names", () => {
    const tokens = new VerifiedTokens(auth);
    const token = expiringIn(60);
    const principal = tokens.verify(token);
    clock += 59_999;
    expect(tokens.verify(token)).toBe(principal); // the very object: from the cache
    clock += 1;
    expect(outcome(() => tokens.verify(token))).toEqual({ refused: "expired", message: "token has expired" });
    expect(outcome(() => verifyToken(token, auth))).toEqual({ refused: "expired", message: "token has expired" });
    expect(tokens.size).toBe(0);
  });

  it("keeps a token without exp, as verifyToken accepts it", () => {
    const tokens = new VerifiedTokens(auth);
    const token = jwt.sign({ sub: "forever", scope: "events:publish" }, auth.verificationKey);
    const principal = tokens.verify(token);
    clock += 10 * 365 * 86_400_000;
    expect(tokens.verify(token)).toBe(principal);
  });

  it("holds at most maxEntries tokens, dropping the least recently used, and no token longer than maxTokenLength", () => {
    const tokens = new VerifiedTokens(auth, { maxEntries: 2, maxTokenLength: 400 });
    const [a, b, c] = ["a", "b", "c"].map((sub) => expiringIn(60, sub));
    const pa = tokens.verify(a);
    const pb = tokens.verify(b);
    expect(tokens.verify(a)).toBe(pa); // a is now the most recent
    const pc = tokens.verify(c); // b goes
    expect(tokens.size).toBe(2);
    expect(tokens.verify(a)).toBe(pa);
    expect(tokens.verify(c)).toBe(pc);
    expect(tokens.verify(b)).not.toBe(pb); // verified again
    expect(tokens.verify(b)).toEqual(pb);

    const long = jwt.sign({ sub: "long", scope: "events:publish", pad: "x".repeat(400) }, auth.verificationKey);
    expect(long.length).toBeGreaterThan(400);
    const first = tokens.verify(long);
    expect(first).toMatchObject({ subject: "long" });
    expect(tokens.verify(long)).not.toBe(first);
  });

  it("a cached token is only ever its own: a token differing by one character is verified (and refused)", () => {
    const tokens = new VerifiedTokens(auth);
    const token = expiringIn(60);
    tokens.verify(token);
    const tampered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expect(outcome(() => tokens.verify(tampered))).toMatchObject({ refused: "invalid" });
  });
});
