// Prepares the one test database every suite shares: created when missing, then migrated.
// Suites isolate their data by unique user ids and unique queue prefixes, never by truncation.
const { prepareDatabase } = require('../packages/entities/dist');

module.exports = async function globalSetup() {
  const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/scheduler_test';
  process.env.TEST_DATABASE_URL = url;
  await prepareDatabase(url);
};
