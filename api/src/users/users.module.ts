import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { AdminUsersController } from './admin-users.controller.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/** Profiles (`/users`) and user administration (`/admin/users`); needs FilesModule (global). */
@Module({
  imports: [AuthModule],
  controllers: [UsersController, AdminUsersController],
  providers: [UsersService, SessionsRepository],
  exports: [UsersService],
})
export class UsersModule {}
