// A real redis-server for tests: see server/src/redis/local-redis.ts (also used by the benchmarks).
export { findRedisServer, startRedis, type StartRedisOptions, type TestRedis } from '../src/redis/local-redis.js';
