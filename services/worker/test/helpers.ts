/**
 * The worker suites' helpers live in the shared test kit (packages/testkit); re-exported here
 * for the suites that import them from this file.
 */
export {
  insertCampaign,
  insertSchedule,
  insertTemplate,
  newUserId,
  openDataSource,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from '@scheduler/testkit';
