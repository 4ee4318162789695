import jwt from "jsonwebtoken";
import { loadAuthConfig } from "../src";
import { signToken, TokenError, verifyToken } from "../src";

const auth = loadAuthConfig({ JWT_SECRET: "a-test-secret-that-is-long-enough-123" });

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
  return "accepted";
}

describe("verifyToken", () => {
  it("turns user claims into a principal", () => {
    const token = signToken({ kind: "user", sub: "42", role: "admin", email: "a@example.com", projects: ["p1"] }, auth);
    expect(verifyToken(token, auth)).toEqual({
      kind: "user",
      userId: "42",
      role: "admin",
      email: "a@example.com",
      projects: ["p1"],
      expiresAt: expect.any(Number),
    });
  });

  it("leaves projects unset when the token has no projects claim", () => {
    const token = jwt.sign({ role: "user" }, auth.verificationKey, { subject: "7" });
    expect(verifyToken(token, auth)).not.toHaveProperty("projects");
  });

  it("reads producer scopes", () => {
    const token = signToken({ kind: "service", sub: "billing" }, auth);
    expect(verifyToken(token, auth)).toMatchObject({ kind: "service", subject: "billing", scopes: ["events:publish"] });
  });

  it.each([
    ["missing", () => verifyToken(undefined, auth), "missing"],
    ["expired", () => verifyToken(signToken({ kind: "user", sub: "1", role: "user" }, auth, -1), auth), "expired"],
    ["signed with another secret", () => verifyToken(jwt.sign({ role: "user", sub: "1" }, "other-secret"), auth), "invalid"],
    ["alg none", () => verifyToken(jwt.sign({ role: "user", sub: "1" }, "", { algorithm: "none" }), auth), "invalid"],
    ["without sub", () => verifyToken(jwt.sign({ role: "user" }, auth.verificationKey), auth), "invalid"],
    ["with an unknown role", () => verifyToken(jwt.sign({ role: "root", sub: "1" }, auth.verificationKey), auth), "invalid"],
    ["with neither role nor scope", () => verifyToken(jwt.sign({ sub: "1" }, auth.verificationKey), auth), "invalid"],
  ])("refuses a token %s", (_name, fn, expected) => {
    expect(reason(fn)).toBe(expected);
  });
});
