import { Controller, Delete, Get, Header, HttpCode, Inject, Post, Redirect } from '@nestjs/common';
import { AllowApiKey, ApiKeyExempt, CurrentAuth, Public } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/auth-context.js';
import { ApiOperation, ValidBody, ValidParams } from '../common/openapi/api-docs.decorators.js';
import { type IdParams, IdParamsSchema } from '../common/validation/id-params.dto.js';
import { type CreateUploadDto, CreateUploadSchema, FileSchema, UploadSchema } from './files.dto.js';
import { FilesService } from './files.service.js';

const tags = ['files'];

@Controller('files')
export class FilesController {
  constructor(@Inject(FilesService) private readonly files: FilesService) {}

  @Post('uploads')
  @AllowApiKey('files:write')
  @ApiOperation({
    summary:
      'Start an upload: returns a short-lived URL the client PUTs the bytes to, bound to type and size.',
    tags,
    responses: { 201: UploadSchema },
    errors: ['FILE_TYPE_NOT_ALLOWED', 'FILE_TOO_LARGE', 'VALIDATION_FAILED'],
  })
  createUpload(@CurrentAuth() auth: AuthContext, @ValidBody(CreateUploadSchema) dto: CreateUploadDto) {
    return this.files.createUpload(auth, dto);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @AllowApiKey('files:write')
  @ApiOperation({
    summary: 'After the upload: checks the stored object against the declared size and type, marks it ready.',
    tags,
    responses: { 200: FileSchema },
    errors: ['FILE_NOT_FOUND', 'FILE_NOT_UPLOADED', 'FILE_UPLOAD_MISMATCH', 'STORAGE_UNAVAILABLE'],
  })
  complete(@CurrentAuth() auth: AuthContext, @ValidParams(IdParamsSchema) params: IdParams) {
    return this.files.complete(auth, params.id);
  }

  @Get(':id')
  @Redirect()
  @Header('Cache-Control', 'private, max-age=60')
  @AllowApiKey('files:read')
  @ApiOperation({
    summary: 'Redirects (302) to a short-lived download URL, or the public URL of a public file.',
    tags,
    responses: { 302: null },
    errors: ['FILE_NOT_FOUND', 'FILE_NOT_UPLOADED'],
  })
  download(@CurrentAuth() auth: AuthContext, @ValidParams(IdParamsSchema) params: IdParams) {
    return this.files.downloadUrl(auth, params.id);
  }

  @Get(':id/content')
  @Public()
  @ApiKeyExempt()
  @Redirect()
  @Header('Cache-Control', 'public, max-age=60')
  // <img> on the frontend's origin follows this redirect; helmet's same-origin default would block it.
  @Header('Cross-Origin-Resource-Policy', 'cross-origin')
  @ApiOperation({
    summary:
      'Public files (avatars, stories, channels) without credentials, e.g. for <img>: 302 to the bytes.',
    tags,
    responses: { 302: null },
    errors: ['FILE_NOT_FOUND'],
  })
  content(@ValidParams(IdParamsSchema) params: IdParams) {
    return this.files.publicContentUrl(params.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @AllowApiKey('files:write')
  @ApiOperation({
    summary: 'Delete a file (its owner or an admin); an avatar in use is cleared from the profile.',
    tags,
    responses: { 204: null },
    errors: ['FILE_NOT_FOUND', 'STORAGE_UNAVAILABLE'],
  })
  remove(@CurrentAuth() auth: AuthContext, @ValidParams(IdParamsSchema) params: IdParams) {
    return this.files.remove(auth, params.id);
  }
}
