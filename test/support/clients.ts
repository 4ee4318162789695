import { io, type Socket } from "socket.io-client";
import type { NotificationMessage } from "@herald/contract";

export async function publish(
  ingestUrl: string,
  token: string | undefined,
  body: unknown,
  options: { path?: string; contentType?: string; raw?: string } = {},
) {
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${ingestUrl}/api/v1/events${options.path ?? ""}`, {
    method: "POST",
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

export async function api(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

/** A raw Socket.IO client that records every event it gets, in order, when (`at`, ms since the epoch), and how it ended. */
export class RawSocket {
  readonly events: { event: string; args: unknown[]; at: number }[] = [];
  readonly socket: Socket;
  disconnectReason: string | undefined;

  constructor(url: string, auth: Record<string, unknown>, headers: Record<string, string> = {}) {
    this.socket = io(url, { auth, transports: ["websocket"], reconnection: false, forceNew: true, extraHeaders: headers });
    this.socket.onAny((event: string, ...args: unknown[]) => this.events.push({ event, args, at: Date.now() }));
    this.socket.on("disconnect", (reason) => (this.disconnectReason = reason));
  }

  /** The first argument of every event of this name received so far. */
  named(event: string): unknown[] {
    return this.events.filter((e) => e.event === event).map((e) => e.args[0]);
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.connected) return resolve();
      this.socket.once("connect", () => resolve());
      this.socket.once("connect_error", reject);
    });
  }

  /** The connect error the server answered with, if it refused the handshake. */
  refused(): Promise<Error & { data?: { code?: string } }> {
    return new Promise((resolve, reject) => {
      this.socket.once("connect", () => reject(new Error("connection was accepted")));
      this.socket.once("connect_error", resolve);
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** A user's socket, with its notifications and unread counts at hand. */
export class RecordingClient extends RawSocket {
  get notifications(): NotificationMessage[] {
    return this.named("notification") as NotificationMessage[];
  }

  get unreadCounts(): number[] {
    return (this.named("unread_count") as { count: number }[]).map((c) => c.count);
  }

  constructor(url: string, token: string, extraAuth: Record<string, unknown> = {}) {
    super(url, { token, ...extraAuth });
  }
}

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  label = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
