import { generateKeyPairSync } from "node:crypto";
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
      subject: "42",
      tenant: "default",
      role: "admin",
      email: "a@example.com",
      projects: ["p1"],
      expiresAt: expect.any(Number),
    });
  });

  it("keys a user by tenant: user 42 of acme is not user 42 of default or of globex", () => {
    const userOf = (tenant?: string) => verifyToken(signToken({ kind: "user", sub: "42", role: "user", tenant }, auth), auth);
    const keys = [userOf(), userOf("acme"), userOf("globex")].map((p) => (p.kind === "user" ? p.userId : undefined));
    expect(new Set(keys).size).toBe(3);
    expect(userOf("acme")).toMatchObject({ subject: "42", tenant: "acme" });
    expect(keys[0]).toBe("42");
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

  /** Signs exactly these claims (jsonwebtoken's `subject` option would refuse a non-string sub before we could). */
  const raw = (claims: Record<string, unknown>) => jwt.sign(claims, auth.verificationKey, { algorithm: "HS256", expiresIn: 60 });
  const refusal = (claims: Record<string, unknown>): string => {
    try {
      verifyToken(raw(claims), auth);
      return "accepted";
    } catch (error) {
      if (error instanceof TokenError) return `${error.reason}: ${error.message}`;
      throw error;
    }
  };

  describe.each([
    ["a user token", { role: "user" }],
    ["an admin token", { role: "admin" }],
    ["a producer token", { scope: "events:publish" }],
  ])("in %s, sub", (_kind, base: Record<string, unknown>) => {
    it.each([
      ["null", null],
      ["an object", {}],
      ["an object with a toString", { toString: "42" }],
      ["an array", ["42"]],
      ["an empty array", []],
      ["true", true],
      ["false", false],
      ["a number", 42],
      ["empty", ""],
      ["with a NUL", "4\u00002"],
      ["with a newline", "42\nadmin"],
      ["with DEL", "42\u007f"],
      ["with a C1 control", "42\u0085"],
      ["a lone surrogate", "42\ud800"],
      ["257 characters", "x".repeat(257)],
    ])("%s is refused as invalid", (_case, sub) => {
      expect(refusal({ ...base, sub })).toMatch(/^invalid: sub must be a non-empty string of at most 256 characters/);
    });

    it.each([["42"], ["x".repeat(256)], ["user@example.com"], ["Zoë Ångström"], ["a b"]])("%p is the id as is", (sub) => {
      const principal = verifyToken(raw({ ...base, sub }), auth);
      expect(principal.kind === "user" ? principal.userId : principal.subject).toBe(sub);
    });
  });

  it.each([
    ["a list", "a@example.com, attacker@evil.example"],
    ["a list without a space", "a@example.com,attacker@evil.example"],
    ["group syntax", "Team: a@example.com, attacker@evil.example;"],
    ["a display name", "Alice <attacker@evil.example>"],
    ["a header injection", "a@example.com\r\nBcc: attacker@evil.example"],
    ["a NUL", "a@example.com\u0000"],
    ["an array", ["a@example.com"]],
    ["an object", { address: "a@example.com" }],
    ["a number", 42],
    ["empty", ""],
    ["no domain", "a@"],
    ["longer than 254 characters", `${"a".repeat(250)}@example.com`],
  ])("refuses a user token whose email is %s", (_case, email) => {
    expect(refusal({ role: "user", sub: "42", email })).toBe("invalid: email must be a single email address");
  });

  it("takes one plain email address, and a null email as none", () => {
    expect(verifyToken(raw({ role: "user", sub: "42", email: "a.b+tag@example.com" }), auth)).toMatchObject({
      email: "a.b+tag@example.com",
    });
    expect(verifyToken(raw({ role: "user", sub: "42", email: null }), auth)).not.toHaveProperty("email");
  });

  it.each([
    ["projects holding an object", { role: "user", projects: [{}] }, /^invalid: projects must hold only/],
    ["projects holding null", { role: "user", projects: [null] }, /^invalid: projects must hold only/],
    ["projects holding a number", { role: "user", projects: [7] }, /^invalid: projects must hold only/],
    ["projects holding a NUL", { role: "user", projects: ["p\u0000"] }, /^invalid: projects must hold only/],
    ["projects as an object", { role: "user", projects: { p1: true } }, /^invalid: projects must be a list/],
    ["scope holding an object", { scope: [{}] }, /^invalid: scope must hold only/],
    ["scope as a number", { scope: 7 }, /^invalid: scope must be a list/],
  ])("refuses a token with %s", (_case, claims: Record<string, unknown>, message) => {
    expect(refusal({ sub: "42", ...claims })).toMatch(message);
  });

  it("reads projects and scopes from a list or a separated string", () => {
    expect(verifyToken(raw({ role: "user", sub: "42", projects: "p1, p2" }), auth)).toMatchObject({ projects: ["p1", "p2"] });
    expect(verifyToken(raw({ role: "user", sub: "42", projects: [] }), auth)).toMatchObject({ projects: [] });
    expect(verifyToken(raw({ sub: "svc", scope: ["events:publish", "other"] }), auth)).toMatchObject({
      scopes: ["events:publish", "other"],
    });
  });

  describe("the tenant claim", () => {
    it("is default when absent, for users and producers alike", () => {
      expect(verifyToken(raw({ sub: "u", role: "user" }), auth)).toMatchObject({ tenant: "default" });
      expect(verifyToken(raw({ sub: "svc", scope: "events:publish" }), auth)).toMatchObject({ tenant: "default" });
    });

    it("is read as signed", () => {
      const user = signToken({ kind: "user", sub: "u", role: "admin", tenant: "acme.eu-1" }, auth);
      const producer = signToken({ kind: "service", sub: "svc", tenant: "acme.eu-1" }, auth);
      expect(verifyToken(user, auth)).toMatchObject({ kind: "user", tenant: "acme.eu-1" });
      expect(verifyToken(producer, auth)).toMatchObject({ kind: "service", tenant: "acme.eu-1" });
    });

    it("may be * for a producer (a platform producer) and never for a user", () => {
      expect(verifyToken(raw({ sub: "monitor", scope: "events:publish", tenant: "*" }), auth)).toMatchObject({ tenant: "*" });
      expect(refusal({ sub: "u", role: "admin", tenant: "*" })).toMatch(/^invalid: tenant must be a tenant id/);
    });

    it.each([[""], ["a".repeat(65)], ["acme corp"], ["acme/eu"], ["ä"], [null], [7], [["acme"]], [{ id: "acme" }]])(
      "refuses %j rather than defaulting it",
      (tenant) => {
        expect(refusal({ sub: "u", role: "user", tenant })).toMatch(/^invalid: tenant must be/);
        expect(refusal({ sub: "svc", scope: "events:publish", tenant })).toMatch(/^invalid: tenant must be/);
      },
    );
  });
});

describe("verifyToken with an RS256 public key", () => {
  it("verifies tokens signed with the private key and refuses others", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rsa = loadAuthConfig({ JWT_PUBLIC_KEY: publicKey.export({ type: "spki", format: "pem" }).toString() });
    const good = jwt.sign({ role: "user" }, privateKey, { algorithm: "RS256", subject: "9", expiresIn: 60 });
    expect(verifyToken(good, rsa)).toMatchObject({ kind: "user", userId: "9" });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const forged = jwt.sign({ role: "admin" }, other, { algorithm: "RS256", subject: "9", expiresIn: 60 });
    expect(reason(() => verifyToken(forged, rsa))).toBe("invalid");
  });
});
