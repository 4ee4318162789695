import type { HeraldClient } from "@herald/client";

/** What to do with a request's answer; called only while the session it was sent in is still the current one. */
export interface AnswerHandlers<T> {
  readonly answered: (value: T) => void;
  readonly failed: (error: unknown) => void;
}

/**
 * The signed-in session: the token, and the client connected with it. Sign-out, or a sign-in with another token, can
 * come while a request sent in this session is still in flight; its answer then belongs to a page that is gone (or to
 * someone else) and must not be drawn. `run` and `runWithClient` are the one place that checks this: a view sends
 * through them, says what to do with the answer, and a late one is dropped there.
 */
export class Session {
  private token: string | null = null;
  private connection: HeraldClient | null = null;

  /** The signed-in token; null when signed out. */
  current(): string | null {
    return this.token;
  }

  /** The client connected with that token; null when signed out. */
  client(): HeraldClient | null {
    return this.connection;
  }

  /** Both become current together: nothing reads either between creating the client and this. */
  begin(token: string, client: HeraldClient): void {
    this.token = token;
    this.connection = client;
  }

  /** Closes the client (it reports "stopped" while still current) and forgets both: what is in flight is dropped. */
  end(): void {
    this.connection?.close();
    this.connection = null;
    this.token = null;
  }

  /**
   * Sends `request` with the current token and hands on its answer or failure if that token is still the current one
   * when it arrives. Tokens compare as strings: signing in again with the very same token keeps the answer, as it
   * belongs to the same user. Resolves to true when a handler was called; false when signed out (nothing was sent)
   * or when the answer was dropped.
   */
  run<T>(request: (token: string) => Promise<T>, handlers: AnswerHandlers<T>): Promise<boolean> {
    return settle(() => this.token, request, handlers);
  }

  /** The same for a request through the client: its answer belongs to that client, a new one at each sign-in. */
  runWithClient<T>(request: (client: HeraldClient) => Promise<T>, handlers: AnswerHandlers<T>): Promise<boolean> {
    return settle(() => this.connection, request, handlers);
  }
}

async function settle<K, T>(current: () => K | null, request: (key: K) => Promise<T>, handlers: AnswerHandlers<T>): Promise<boolean> {
  const key = current();
  if (!key) return false;
  // One try around the request and `answered`, so a throw while drawing the answer is shown as a failure.
  try {
    const value = await request(key);
    if (key !== current()) return false;
    handlers.answered(value);
  } catch (error) {
    if (key !== current()) return false;
    handlers.failed(error);
  }
  return true;
}
