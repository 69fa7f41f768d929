import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { AuthModule } from './auth/auth.module.js';
import { CommonModule } from './common/common.module.js';
import { GlobalExceptionFilter } from './common/errors/global-exception.filter.js';
import { LoggerModule } from './common/logging/logger.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import type { DatabaseConnectionOptions } from './database/database.factory.js';
import { DatabaseModule } from './database/database.module.js';
import { DocsModule } from './docs/docs.module.js';
import { FilesModule } from './files/files.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MailModule } from './mail/mail.module.js';
import { UsersModule } from './users/users.module.js';

/** Everything the API needs to build its module graph. */
export interface AppModuleOptions {
  readonly config: AppConfig;
  readonly database: DatabaseConnectionOptions;
  readonly logger: Logger;
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        LoggerModule.forRoot(options.logger),
        DatabaseModule.forRoot(options.database),
        CommonModule,
        MailModule.forRoot(options.config),
        AuthModule,
        FilesModule.forRoot(options.config),
        UsersModule,
        JobsModule,
        HealthModule,
        DocsModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: GlobalExceptionFilter }],
    };
  }
}
