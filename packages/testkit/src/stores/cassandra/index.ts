/** The Cassandra test kit, found by the testkit through the store registry. */
export { cassandraTestKit as testKit } from "./cassandra-test-kit.js";
