import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from '../../prisma/generated/client.js';
import { pgConfig } from '../../prisma/pg-config.js';

export * from '../../prisma/generated/client.js';
export type Db = PrismaClient;

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg(pgConfig(databaseUrl, { max: 10 })) });
}

/** The client inside an interactive transaction. */
export type Tx = Prisma.TransactionClient;
