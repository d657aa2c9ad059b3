import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { memoryStores } from "@polyxena/memory";
import type { OperationEvent } from "@polyxena/core";
import { createRepositories, type TitleSearch, type ViewingHistory } from "../src/generated/index.js";

function setup() {
  const events: OperationEvent[] = [];
  const repos = createRepositories({ stores: memoryStores(), onOperation: (event) => events.push(event) });
  const pagesRead = (operation: string) => events.filter((e) => e.operation === operation).length;
  return { repos, pagesRead };
}

async function sevenViews(repos: ReturnType<typeof setup>["repos"]) {
  const profileId = randomUUID();
  for (let i = 0; i < 7; i++) {
    await repos.viewingHistory.put({ profileId, watchedAt: new Date(Date.UTC(2026, 0, 1, i)), titleId: `t${i}`, positionSec: i, device: "tv" });
  }
  return profileId;
}

describe("reading every page of a query or search", () => {
  it("all() yields every item in query order, one page request per page", async () => {
    const { repos, pagesRead } = setup();
    const profileId = await sevenViews(repos);
    const titles: string[] = [];
    for await (const item of repos.viewingHistory.historyForProfile.all({ profileId }, { limit: 3 })) {
      const typed: ViewingHistory = item;
      titles.push(typed.titleId);
    }
    expect(titles).toEqual(["t6", "t5", "t4", "t3", "t2", "t1", "t0"]);
    expect(pagesRead("query")).toBe(3);
  });

  it("breaking out of the loop reads no further page", async () => {
    const { repos, pagesRead } = setup();
    const profileId = await sevenViews(repos);
    for await (const item of repos.viewingHistory.historyForProfile.all({ profileId }, { limit: 3 })) {
      expect(item.titleId).toBe("t6");
      break;
    }
    expect(pagesRead("query")).toBe(1);

    const seen: string[] = [];
    for await (const item of repos.viewingHistory.historyForProfile.all({ profileId }, { limit: 3 })) {
      seen.push(item.titleId);
      if (seen.length === 4) break;
    }
    expect(seen).toEqual(["t6", "t5", "t4", "t3"]);
    expect(pagesRead("query")).toBe(1 + 2);
  });

  it("pages() hands out each page with the cursor of the next, and starts from a given cursor", async () => {
    const { repos } = setup();
    const profileId = await sevenViews(repos);
    const pages = [];
    for await (const page of repos.viewingHistory.historyForProfile.pages({ profileId }, { limit: 3 })) pages.push(page);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.cursor === undefined)).toEqual([false, false, true]);

    const rest: string[] = [];
    for await (const item of repos.viewingHistory.historyForProfile.all({ profileId }, { limit: 3, cursor: pages[0]!.cursor })) rest.push(item.titleId);
    expect(rest).toEqual(["t3", "t2", "t1", "t0"]);
  });

  it("a query with no match yields nothing after one page request", async () => {
    const { repos, pagesRead } = setup();
    const items = [];
    for await (const item of repos.viewingHistory.historyForProfile.all({ profileId: randomUUID() })) items.push(item);
    expect(items).toEqual([]);
    expect(pagesRead("query")).toBe(1);
  });

  it("search.all() reads every hit lazily and stops when the loop does", async () => {
    const { repos, pagesRead } = setup();
    const docs: TitleSearch[] = [0, 1, 2, 3, 4].map((i) => ({
      titleId: `s${i}`,
      name: `Space saga ${i}`,
      synopsis: "a crew in space",
      primaryGenre: "scifi",
      genres: ["scifi"],
      releaseYear: 2020 + i,
      maturityRating: "teen",
      popularity: i,
      sourceVersion: 1,
    }));
    for (const doc of docs) await repos.titleSearch.put(doc, { consistency: "wait_for" });
    const all: string[] = [];
    for await (const hit of repos.titleSearch.search.all({ text: "space", sort: [{ field: "popularity", order: "desc" }], limit: 2 })) all.push(hit.titleId);
    expect(all).toEqual(["s4", "s3", "s2", "s1", "s0"]);
    expect(pagesRead("search")).toBe(3);

    for await (const hit of repos.titleSearch.search.all({ text: "space", sort: [{ field: "popularity", order: "desc" }], limit: 2 })) {
      expect(hit.titleId).toBe("s4");
      break;
    }
    expect(pagesRead("search")).toBe(3 + 1);
  });
});
