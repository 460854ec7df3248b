// A real PostgreSQL server for tests: see server/src/storage/local-postgres.ts (also used by bench/run.mjs).
export {
  findPostgres,
  startPostgres,
  type PostgresBinaries,
  type StartPostgresOptions,
  type TestPostgres,
} from '../src/storage/local-postgres.js';
