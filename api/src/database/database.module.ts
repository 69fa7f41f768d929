import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createDatabase, type DatabaseConnectionOptions } from './database.factory.js';
import { DatabaseHandle } from './database-handle.js';
import { Transactions } from './transactions.js';

/** Injection token for the {@link DatabaseHandle}. */
export const DATABASE = Symbol('DATABASE');

/**
 * Provides the database handle (the Kysely instance is made on the first query) and the services'
 * {@link Transactions}; closes the pool when the application shuts down.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  static forRoot(connection: DatabaseConnectionOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE, useFactory: () => new DatabaseHandle(() => createDatabase(connection)) },
        {
          provide: Transactions,
          useFactory: (database: DatabaseHandle) => new Transactions(database),
          inject: [DATABASE],
        },
      ],
      exports: [DATABASE, Transactions],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
