/** The DynamoDB test kit, found by the testkit through the store registry. */
export { dynamoDbTestKit as testKit } from "./dynamodb-test-kit.js";
