import jwt from "jsonwebtoken";
import { signToken } from "@herald/auth";
import { loadAuthConfig } from "@herald/auth";
import { TEST_JWT_SECRET } from "./env";

const auth = loadAuthConfig({ JWT_SECRET: TEST_JWT_SECRET });

export function userToken(
  sub: string,
  role: "admin" | "user" = "user",
  extra: { email?: string; projects?: string[]; tenant?: string } = {},
  expiresIn?: number,
): string {
  return signToken({ kind: "user", sub, role, ...extra }, auth, expiresIn);
}

export function producerToken(sub = "test-producer", scopes?: string[], tenant?: string): string {
  return signToken({ kind: "service", sub, scopes, ...(tenant !== undefined && { tenant }) }, auth);
}

/**
 * A token carrying exactly these claims, signed with the test secret: for
 * claims the signing helpers would not produce (hostile ones; no `exp` when
 * `expiresIn` is null).
 */
export function tokenWithClaims(claims: Record<string, unknown>, expiresIn: number | null = 3600): string {
  return jwt.sign(claims, TEST_JWT_SECRET, { algorithm: "HS256", ...(expiresIn !== null && { expiresIn }) });
}
