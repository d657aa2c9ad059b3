import type { Repositories } from "./generated/index.js";

/** Fixed identifiers of the demo's data. */
export const ids = {
  account: "0b6e4f9e-3c43-4a8e-9a55-5d0d8d1e7a01",
  profileAda: "5a1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b",
  profileKid: "6b2d3e4f-5061-4728-9bac-1d2e3f4a5b6c",
} as const;

const titles = [
  { titleId: "tt0944947", name: "Game of Thrones", kind: "series", primaryGenre: "drama", genres: ["drama", "fantasy"], releaseYear: 2011, runtimeMin: 57, maturityRating: "adult", popularity: 97.5, synopsis: "Noble families fight for control of the Iron Throne of the Seven Kingdoms." },
  { titleId: "tt4574334", name: "Stranger Things", kind: "series", primaryGenre: "scifi", genres: ["scifi", "horror"], releaseYear: 2016, runtimeMin: 51, maturityRating: "teen", popularity: 95.1, synopsis: "A boy vanishes and a small town uncovers a mystery of secret experiments and supernatural forces." },
  { titleId: "tt4786824", name: "The Crown", kind: "series", primaryGenre: "drama", genres: ["drama", "history"], releaseYear: 2016, runtimeMin: 58, maturityRating: "teen", popularity: 88.0, synopsis: "The reign of Queen Elizabeth II and the events that shaped the second half of the century in the kingdom." },
  { titleId: "tt2442560", name: "Peaky Blinders", kind: "series", primaryGenre: "drama", genres: ["drama", "crime"], releaseYear: 2013, runtimeMin: 60, maturityRating: "adult", popularity: 90.2, synopsis: "A gangster family epic set in Birmingham after the war." },
  { titleId: "tt6468322", name: "Money Heist", kind: "series", primaryGenre: "crime", genres: ["crime", "thriller"], releaseYear: 2017, runtimeMin: 70, maturityRating: "adult", popularity: 86.4, synopsis: "A criminal mastermind plans the biggest heist in the history of the kingdom of Spain." },
  { titleId: "tt2306299", name: "Vikings", kind: "series", primaryGenre: "drama", genres: ["drama", "action"], releaseYear: 2013, runtimeMin: 44, maturityRating: "adult", popularity: 84.9, synopsis: "Ragnar Lothbrok rises to become king of the Viking tribes." },
  { titleId: "tt8946378", name: "Knives Out", kind: "movie", primaryGenre: "mystery", genres: ["mystery", "comedy"], releaseYear: 2019, runtimeMin: 130, maturityRating: "teen", popularity: 80.3, synopsis: "A detective investigates the death of a patriarch of an eccentric family." },
  { titleId: "tt2380307", name: "Coco", kind: "movie", primaryGenre: "family", genres: ["family", "animation"], releaseYear: 2017, runtimeMin: 105, maturityRating: "kids", popularity: 82.7, synopsis: "A boy journeys to the land of the dead to find his great-great-grandfather, a legendary singer, and the kingdom of music." },
] as const;

/** The titleIds of the demo's catalogue. */
export const catalogTitleIds: readonly string[] = titles.map((t) => t.titleId);

/**
 * Writes the demo's catalogue, account, profiles, subscription and viewing
 * history. Titles only: search is filled from them by the `titleSearch`
 * projection (a relay with the projection applier, or a rebuild).
 */
export async function seed(repos: Repositories, now: Date): Promise<void> {
  for (const title of titles) await repos.title.put({ ...title, genres: [...title.genres] });
  const createdAt = new Date("2024-03-01T10:00:00Z");
  await repos.profile.put({ profileId: ids.profileAda, accountId: ids.account, name: "Ada", maturityRating: "adult", language: "en", createdAt });
  await repos.profile.put({ profileId: ids.profileKid, accountId: ids.account, name: "Kid", maturityRating: "kids", language: "en", createdAt: new Date(createdAt.getTime() + 1000) });
  await repos.subscription.put(
    { accountId: ids.account, plan: "premium", status: "active", priceCents: 2299, currency: "USD", renewsAt: new Date("2026-12-01T00:00:00Z"), maxStreams: 4, version: 0 },
    { ifNotExists: true },
  );
  const watched = [
    ["tt0944947", 3, 1800],
    ["tt4786824", 2, 600],
    ["tt0944947", 1, 2400],
  ] as const;
  for (const [titleId, daysAgo, positionSec] of watched) {
    await repos.viewingHistory.put({ profileId: ids.profileAda, watchedAt: new Date(now.getTime() - daysAgo * 86_400_000), titleId, positionSec, device: "tv" });
  }
}
