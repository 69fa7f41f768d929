import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { MaintenanceService } from './maintenance.service.js';

/** Background housekeeping (see `MaintenanceService`). */
@Module({ imports: [UsersModule], providers: [MaintenanceService], exports: [MaintenanceService] })
export class JobsModule {}
