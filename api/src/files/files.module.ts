import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { FilesController } from './files.controller.js';
import { FilesRepository } from './files.repository.js';
import { FilesService } from './files.service.js';
import { LocalStorageController } from './local-storage.controller.js';
import { LocalStorageRepository } from './local-storage.repository.js';
import { LocalStorageService } from './local-storage.service.js';
import { S3StorageRepository } from './s3-storage.repository.js';
import { StorageRepository } from './storage.repository.js';
import { StreamBodyParser } from './stream-body.parser.js';

/** Uploads and downloads, with the storage driver chosen by S3_BUCKET (set: S3; unset: local disk). */
@Module({})
export class FilesModule {
  static forRoot(config: AppConfig): DynamicModule {
    const local = config.storage.driver === 'local';
    return {
      module: FilesModule,
      // Global like MailModule: users (avatars, purge) and the maintenance job use FilesService.
      global: true,
      controllers: local ? [FilesController, LocalStorageController] : [FilesController],
      providers: [
        FilesService,
        FilesRepository,
        ...(local
          ? [
              LocalStorageRepository,
              LocalStorageService,
              StreamBodyParser,
              { provide: StorageRepository, useExisting: LocalStorageRepository },
            ]
          : [S3StorageRepository, { provide: StorageRepository, useExisting: S3StorageRepository }]),
      ],
      exports: [FilesService],
    };
  }
}
