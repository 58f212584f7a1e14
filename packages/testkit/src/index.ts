/**
 * @scheduler/testkit: what the API, worker and package suites share instead of copies.
 *
 *   env        TEST_DATABASE_URL, TEST_REDIS_URL, TEST_JWT_SECRET, databaseUrl(name)
 *   ids        newUserId(), uniqueName(kind) for prefixes, MISSING_ID
 *   time       HOUR, DAY, inHours(h), wholeSecondAhead(ms), sleep, pollUntil
 *   clock      PinnedClock: a `now()` a test can pin and reset
 *   problem    expectProblem(res, 422, { fields: [...] }), expectUnauthorized(res), fieldsOf(res)
 *   api        apiAs(t, user) requests; createCampaign/Template/Schedule, useTemplate via the API
 *   rows       openDataSource; insertCampaign/Template/Schedule/Job as direct rows; userRows
 *              snapshots; scratch databases (scratchDatabaseName, dropDatabase)
 *   redis      keysUnder, deleteKeysUnder (one test's keys only), openQueues, obliterateQueues
 *   redis-cluster  startRedisCluster: a local 6-process Redis Cluster (3 masters, 3 replicas), torn down by stop()
 *   processes  WorkerProcesses, waitUntilUp, signalAndWait, logs; spawnApi, untilListening, startApiProcess (an API process and a call to it)
 *   faults     insertSchedules, syncAll, countDelayed, measure/combine, scheduleRows, summary
 *   pg-replica startPgReplicaPair: a migrated PostgreSQL primary with a streaming replica (initdb, pg_basebackup -R)
 *
 * Test-only: resolved by jest's moduleNameMapper and tsconfig.test.json (not a workspace, not
 * built, never imported by src/).
 */
export * from './env';
export * from './ids';
export * from './time';
export * from './clock';
export * from './problem';
export * from './api';
export * from './rows';
export * from './redis';
export * from './redis-cluster';
export * from './processes';
export * from './faults';
export * from './pg-replica';
