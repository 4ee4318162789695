import type { HeraldEvent } from "@herald/contract";
import { FanoutRecipients, firstAfter } from "../src/fanout-recipients";
import { TenantScopes } from "../src/recipient-directory";
import type { ScopeIndex } from "../src/route-event";

const event: HeraldEvent = {
  id: "broadcast",
  type: "collab.lock",
  actorUserId: "u-07",
  occurredAt: "2026-12-03T00:00:00.000Z",
  receivedAt: "2026-12-03T00:00:00.000Z",
  payload: {},
};

const scopesOf = (subscribers: readonly string[]) => {
  const index: ScopeIndex = { admins: [], projectMembers: () => [], everyoneSubscribers: () => subscribers };
  return new TenantScopes(new Map([["default", index]]));
};

/** Walks a fan-out to its end the way the runner does: each chunk after the last key of the one before. */
function walk(recipients: FanoutRecipients, scopes: () => TenantScopes, size: number): string[][] {
  const chunks: string[][] = [];
  let cursor: string | null = null;
  for (;;) {
    const chunk: string[] = [...recipients.after(event, scopes(), cursor, size).keys()];
    if (chunk.length === 0) return chunks;
    chunks.push(chunk);
    cursor = chunk.at(-1)!;
  }
}

describe("a large fan-out's recipients, a chunk at a time", () => {
  const users = Array.from({ length: 23 }, (_, i) => `u-${String(i).padStart(2, "0")}`).reverse();

  it("gives every candidate once, in key order, without the actor, in chunks of the size asked", () => {
    const scopes = scopesOf(users);
    const chunks = walk(new FanoutRecipients(), () => scopes, 5);
    expect(chunks.map((c) => c.length)).toEqual([5, 5, 5, 5, 2]);
    const expected = [...users].filter((u) => u !== "u-07").sort();
    expect(chunks.flat()).toEqual(expected);
  });

  it("goes on after the cursor when the index was reloaded: a subscriber past the cursor is included, one before it is not", () => {
    const recipients = new FanoutRecipients();
    const first = [...recipients.after(event, scopesOf(users), null, 10).keys()];
    expect(first.at(-1)).toBe("u-10");
    const reloaded = scopesOf([...users, "u-05b", "u-99"]);
    const after = [...recipients.after(event, reloaded, first.at(-1)!, 100).keys()];
    expect(after).toEqual([...users.filter((u) => u > "u-10"), "u-99"].sort());
    expect(after).not.toContain("u-05b");
  });

  it("finds the first key after a cursor by binary search, the cursor itself gone or not", () => {
    const keys = ["a", "c", "e"];
    expect([firstAfter(keys, "0"), firstAfter(keys, "a"), firstAfter(keys, "b"), firstAfter(keys, "e"), firstAfter(keys, "z")]).toEqual([
      0, 1, 1, 3, 3,
    ]);
  });
});
