/**
 * The queue contract shared by the API (producer) and the worker (consumer): queue names,
 * payloads, the Redis connection and the repeat strategy that makes BullMQ fire schedules at
 * exactly the instants `@scheduler/recurrence` computes. Producer and consumer both import it,
 * so they cannot drift.
 */
export * from './contract';
export * from './connection';
export * from './repeat-strategy';
export * from './schedulers';
export * from './shards';
