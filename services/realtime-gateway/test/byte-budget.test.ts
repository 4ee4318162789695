import { fitting, ITEM_OVERHEAD_BYTES, selectPage, selectReplay, type SizedCandidate } from "../src/byte-budget";

/** Candidates of these payload sizes, ids counting down from 100 (newest first). */
const sized = (...bytes: number[]): SizedCandidate[] => bytes.map((b, i) => ({ id: 100 - i, bytes: b }));
/** What n items of `payload` bytes each cost. */
const cost = (n: number, payload: number) => n * (payload + ITEM_OVERHEAD_BYTES);

describe("fitting", () => {
  it.each([
    ["none", sized(), 1000, 0],
    ["all fit", sized(100, 100, 100), cost(3, 100), 3],
    ["one byte short of the third", sized(100, 100, 100), cost(3, 100) - 1, 2],
    ["the first alone is over: it still goes", sized(5000, 10), 1000, 1],
    ["a large one in the middle stops there", sized(10, 5000, 10), 2000, 1],
  ])("%s", (_label, candidates, maxBytes, expected) => {
    expect(fitting(candidates, maxBytes)).toBe(expected);
  });
});

describe("selectPage", () => {
  it.each([
    ["fewer than the limit, all fit: no next page", sized(10, 10), 5, 1_000_000, { ids: [100, 99], hasMore: false }],
    ["limit + 1 candidates: the limit, and a next page", sized(10, 10, 10), 2, 1_000_000, { ids: [100, 99], hasMore: true }],
    ["bytes before the limit: fewer, and a next page", sized(900, 900, 900), 3, cost(2, 900), { ids: [100, 99], hasMore: true }],
    ["one huge item: alone on its page", sized(5_000_000, 10), 20, 1_000_000, { ids: [100], hasMore: true }],
    ["the last one huge: alone and last", sized(5_000_000), 20, 1_000_000, { ids: [100], hasMore: false }],
    ["nothing", sized(), 20, 1_000_000, { ids: [], hasMore: false }],
  ])("%s", (_label, candidates, limit, maxBytes, expected) => {
    expect(selectPage(candidates, limit, maxBytes)).toEqual(expected);
  });
});

describe("selectReplay", () => {
  const late = (...ids: number[]): SizedCandidate[] => ids.map((id) => ({ id, bytes: 10 }));

  it.each([
    [
      "everything fits: missed and late, oldest first",
      sized(10, 10),
      late(50, 40),
      10,
      1_000_000,
      { ids: [40, 50, 99, 100], truncated: false },
    ],
    ["nothing missed, nothing late", sized(), late(), 10, 1_000_000, { ids: [], truncated: false }],
    ["only late ones", sized(), late(50), 10, 1_000_000, { ids: [50], truncated: false }],
    [
      "more missed than the limit: the newest `limit`, no late ones",
      sized(10, 10, 10),
      late(50),
      2,
      1_000_000,
      { ids: [99, 100], truncated: true },
    ],
    ["exactly the limit: late ones still fit", sized(10, 10), late(50), 2, 1_000_000, { ids: [50, 99, 100], truncated: false }],
    [
      "bytes run out among the missed: the newest that fit",
      sized(900, 900, 900),
      late(50),
      10,
      cost(2, 900),
      { ids: [99, 100], truncated: true },
    ],
    ["bytes run out among the late ones", sized(10), late(50, 40), 10, cost(2, 10), { ids: [50, 100], truncated: true }],
    ["a single huge one still goes", sized(5_000_000, 10), late(), 10, 1_000_000, { ids: [100], truncated: true }],
  ])("%s", (_label, missed, lateOnes, limit, maxBytes, expected) => {
    expect(selectReplay(missed, lateOnes, limit, maxBytes)).toEqual(expected);
  });
});
