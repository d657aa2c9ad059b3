// Runs once before the test files: makes the machine's initialised PGlite data
// directory (a few seconds, once per PGlite version) so that the memory Postgres
// adapters of every test process start from it instead of each running initdb.
import { preparePgliteDataDir } from "./packages/memory/src/pglite-postgres-port.js";

export default async function setup(): Promise<void> {
  await preparePgliteDataDir();
}
