import { signToken } from "@herald/auth";
import { loadAuthConfig } from "@herald/auth";
import { TEST_JWT_SECRET } from "./env";

const auth = loadAuthConfig({ JWT_SECRET: TEST_JWT_SECRET });

export function userToken(
  sub: string,
  role: "admin" | "user" = "user",
  extra: { email?: string; projects?: string[] } = {},
  expiresIn?: number,
): string {
  return signToken({ kind: "user", sub, role, ...extra }, auth, expiresIn);
}

export function producerToken(sub = "test-producer", scopes?: string[]): string {
  return signToken({ kind: "service", sub, scopes }, auth);
}
