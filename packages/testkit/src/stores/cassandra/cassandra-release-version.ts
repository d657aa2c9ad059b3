/**
 * The version a Cassandra node reports about itself, read over the native
 * protocol by the stock driver: how the real-engine runner and the demo name
 * the Cassandra they talk to from what it says, not from what was launched.
 */
import cassandra from "cassandra-driver";

/**
 * `release_version` from `system.local` of the node the driver reaches
 * first (e.g. `5.0.6`).
 *
 * @example
 * const version = await cassandraReleaseVersion(["127.0.0.1:9042"], "datacenter1");
 */
export async function cassandraReleaseVersion(contactPoints: readonly string[], localDataCenter: string): Promise<string> {
  const client = new cassandra.Client({ contactPoints: [...contactPoints], localDataCenter });
  try {
    await client.connect();
    const { rows } = await client.execute("SELECT release_version FROM system.local");
    const version: unknown = rows[0]?.["release_version"];
    if (typeof version !== "string") throw new Error(`system.local at ${contactPoints.join(",")} returned no release_version`);
    return version;
  } finally {
    await client.shutdown();
  }
}
