/** The MySQL test kit, found by the testkit through the store registry. */
export { mysqlTestKit as testKit } from "./mysql-test-kit.js";
