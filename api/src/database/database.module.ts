import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createDatabase, type Database, type DatabaseConnectionOptions } from './database.factory.js';

/** Injection token for the Kysely {@link Database}. */
export const DATABASE = Symbol('DATABASE');

/** Provides the Kysely instance; closes its pool when the application shuts down. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  static forRoot(connection: DatabaseConnectionOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DATABASE, useFactory: () => createDatabase(connection) }],
      exports: [DATABASE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
