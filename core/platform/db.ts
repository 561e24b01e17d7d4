import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from '../../prisma/generated/client.js';
import { pgConfig } from '../../prisma/pg-config.js';

export * from '../../prisma/generated/client.js';
export type Db = PrismaClient;

/** Prisma over a `pg` pool of `poolSize` connections (DATABASE_POOL_SIZE in a running process). */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: new PrismaPg(pgConfig(databaseUrl, { max: poolSize })) });
}

/** The client inside an interactive transaction. */
export type Tx = Prisma.TransactionClient;
