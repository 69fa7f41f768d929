import type { DatabaseEngine } from './constructs/database.js';

/**
 * What a database class can hold. Each API Lambda environment keeps one connection (the Lambda
 * handler's pool is 1), so unbounded concurrency lets a burst exhaust RDS's `max_connections` and
 * fail every request, migrations included; and an alarm on connections is only useful below that
 * limit, so it is sized from the same estimate.
 */

/** Memory (GiB) of a `t`/`m` class by size; `r` classes have twice as much. */
const SIZE_GIB: Readonly<Record<string, number>> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
  '4xlarge': 64,
  '8xlarge': 128,
};

/**
 * RDS's default `max_connections` divides `DBInstanceClassMemory` by these: PostgreSQL
 * `LEAST({DBInstanceClassMemory/9531392}, 5000)`, MySQL `{DBInstanceClassMemory/12582880}`.
 */
const BYTES_PER_CONNECTION: Readonly<Record<DatabaseEngine, number>> = {
  postgres: 9_531_392,
  mysql: 12_582_880,
};
/** PostgreSQL's default caps at 5000; MySQL's has no cap. */
const MAX_CONNECTIONS_CAP: Readonly<Record<DatabaseEngine, number>> = {
  postgres: 5000,
  mysql: Number.POSITIVE_INFINITY,
};
/**
 * `DBInstanceClassMemory` is what is left after the OS and RDS processes, roughly 70 % of the
 * class's memory (a t4g.micro reports max_connections ≈ 80 rather than 112).
 */
const ENGINE_MEMORY_FRACTION = 0.7;
/** Connections kept free for migrations and admin sessions. */
const HEADROOM_FRACTION = 0.2;
const MIN_HEADROOM = 10;
/**
 * Upper bound of the default: Lambda keeps at least 100 of an account's concurrency (1000 by
 * default) unreserved, and other functions need some.
 */
const MAX_DEFAULT = 500;

/** Share of the estimated `max_connections` above which the connections alarm fires. */
const CONNECTIONS_ALARM_FRACTION = 0.8;

/**
 * Estimated default `max_connections` of RDS PostgreSQL (or MySQL) on an instance class
 * (`t4g.micro`, no `db.` prefix); undefined for classes outside the t/m/r families.
 */
export function estimatedMaxConnections(
  instanceType: string,
  engine: DatabaseEngine = 'postgres',
): number | undefined {
  const match = /^(?:db\.)?([tmr])\d+[a-z]*\.([0-9a-z]+)$/.exec(instanceType);
  const gib = match ? SIZE_GIB[match[2] as string] : undefined;
  if (!match || gib === undefined) return undefined;
  const bytes = gib * (match[1] === 'r' ? 2 : 1) * 2 ** 30 * ENGINE_MEMORY_FRACTION;
  return Math.min(Math.floor(bytes / BYTES_PER_CONNECTION[engine]), MAX_CONNECTIONS_CAP[engine]);
}

/**
 * Connections above which the database connections alarm fires: 80 % of the estimated
 * `max_connections`, so an operator hears of it while new connections still succeed (a fixed 80
 * was above a t4g.micro's whole limit). Undefined when the class is unknown.
 */
export function connectionsAlarmThreshold(instanceType: string, engine: DatabaseEngine): number | undefined {
  const max = estimatedMaxConnections(instanceType, engine);
  return max === undefined ? undefined : Math.floor(max * CONNECTIONS_ALARM_FRACTION);
}

/**
 * Default reserved concurrency of the API function: the estimated `max_connections` minus 20 %
 * (at least 10) of headroom for migrations and admin sessions, at most 500. Undefined when the
 * class is unknown (the setting must then be given).
 */
export function defaultReservedConcurrency(instanceType: string): number | undefined {
  const max = estimatedMaxConnections(instanceType);
  if (max === undefined) return undefined;
  return Math.min(MAX_DEFAULT, Math.max(1, max - Math.max(MIN_HEADROOM, Math.ceil(max * HEADROOM_FRACTION))));
}

/** The API's own default pool size (`DATABASE_POOL_MAX`), the most a server is given. */
const API_DEFAULT_POOL = 10;

/**
 * `DATABASE_POOL_MAX` for each server process (a Fargate task, an EC2 instance's API) when up to
 * `processes` of them may hold pools at once: the estimated `max_connections` minus the headroom
 * {@link defaultReservedConcurrency} keeps, shared out, at most the API's default of 10, at least
 * 1. A deploy runs old and new side by side, so `processes` counts twice the scaling maximum: with
 * the default of 10 each, autonote's four tasks deployed at full scale held 80 connections against
 * a t4g.micro's ~78 (found in review, 2026-12-07). Undefined when the class is unknown.
 */
export function serverPoolSize(
  instanceType: string,
  engine: DatabaseEngine,
  processes: number,
): number | undefined {
  const max = estimatedMaxConnections(instanceType, engine);
  if (max === undefined) return undefined;
  const usable = max - Math.max(MIN_HEADROOM, Math.ceil(max * HEADROOM_FRACTION));
  return Math.max(1, Math.min(API_DEFAULT_POOL, Math.floor(usable / processes)));
}
