import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from './app-config.js';

/** Injection token for the typed {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Makes the configuration parsed at boot injectable everywhere (`@Inject(APP_CONFIG)`). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
