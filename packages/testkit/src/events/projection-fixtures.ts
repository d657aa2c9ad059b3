/**
 * Entities of the change-event suites: a source with events (in Postgres, or
 * in DynamoDB) and two projections (into Elasticsearch and into DynamoDB),
 * shared by the memory lanes and the real-engine lane.
 */
import { defineEntity } from "@polyxena/core";
import { z } from "zod";

/** The search-side projection of a catalogue title. */
export const EventTitleSearch = defineEntity("EventTitleSearch", {
  store: "elasticsearch",
  schema: z.object({
    titleId: z.string(),
    name: z.string().max(60),
    year: z.number().int(),
    sourceVersion: z.number().int().nonnegative(),
  }),
  key: { id: "titleId" },
  search: { text: ["name"] },
  version: "sourceVersion",
  table: "event_title_search",
});

/** A key-value projection of the same titles (titles per year bucket). */
export const EventTitleCard = defineEntity("EventTitleCard", {
  store: "dynamodb",
  schema: z.object({
    titleId: z.string(),
    label: z.string(),
    sourceVersion: z.number().int().nonnegative(),
  }),
  key: { partition: "titleId" },
  version: "sourceVersion",
  table: "event_title_card",
});

/** The source of truth: titles in one store, publishing every change, projected into search and into DynamoDB. */
function eventTitle<S extends "postgres" | "dynamodb">(store: S) {
  return defineEntity("EventTitle", {
    store,
    schema: z.object({
      titleId: z.string(),
      name: z.string(),
      year: z.number().int(),
      note: z.string().optional(),
    }),
    key: store === "postgres" ? { primary: ["titleId"] } : { partition: "titleId" },
    events: { topic: "polyxena.test.titles" },
    projections: {
      titleSearch: { to: EventTitleSearch, map: (t) => ({ titleId: t.titleId, name: t.name, year: t.year }) },
      titleCard: { to: EventTitleCard, map: (t) => ({ titleId: t.titleId, label: `${t.name} (${t.year})` }) },
    },
    table: "event_title",
  });
}

/** The source in Postgres: events in the write's transaction. */
export const EventTitle = eventTitle("postgres");

/** The same source in DynamoDB: events in the write's TransactWriteItems. */
export const DynamoEventTitle = eventTitle("dynamodb");

/** Every entity of the suites, sources first. */
export const EVENT_ENTITIES = [EventTitle, EventTitleSearch, EventTitleCard] as const;

/** Every entity of the suites with the DynamoDB source, sources first. */
export const DYNAMODB_EVENT_ENTITIES = [DynamoEventTitle, EventTitleSearch, EventTitleCard] as const;
