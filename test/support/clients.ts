import { io, type Socket } from "socket.io-client";
import type { NotificationMessage } from "@herald/core";

export async function publish(ingestUrl: string, token: string | undefined, body: unknown, options: { path?: string; contentType?: string; raw?: string } = {}) {
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${ingestUrl}/api/v1/events${options.path ?? ""}`, {
    method: "POST",
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
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

/** A Socket.IO client that records everything it is sent. */
export class RecordingClient {
  readonly notifications: NotificationMessage[] = [];
  readonly unreadCounts: number[] = [];
  readonly socket: Socket;

  constructor(url: string, token: string, extraAuth: Record<string, unknown> = {}) {
    this.socket = io(url, { auth: { token, ...extraAuth }, transports: ["websocket"], reconnection: false, forceNew: true });
    this.socket.on("notification", (n: NotificationMessage) => this.notifications.push(n));
    this.socket.on("unread_count", (c: { count: number }) => this.unreadCounts.push(c.count));
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

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, label = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
