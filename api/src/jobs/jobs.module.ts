import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { MaintenanceService } from './maintenance.service.js';

/** Background housekeeping (see `MaintenanceService`). */
@Module({
  imports: [UsersModule, AuthModule],
  providers: [MaintenanceService],
  exports: [MaintenanceService],
})
export class JobsModule {}
