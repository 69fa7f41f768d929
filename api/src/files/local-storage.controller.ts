import { Controller, Get, Header, HttpCode, Inject, Put, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyExempt, Public } from '../auth/auth.decorators.js';
import { ApiOperation, ValidQuery } from '../common/openapi/api-docs.decorators.js';
import {
  type LocalDownloadQuery,
  LocalDownloadQuerySchema,
  type LocalUploadQuery,
  LocalUploadQuerySchema,
} from './files.dto.js';
import { LocalStorageService } from './local-storage.service.js';
import { STREAM_BODY } from './stream-body.parser.js';

const tags = ['files'];

/**
 * The local driver's storage endpoint (only mounted when S3_BUCKET is unset). The URL's HMAC
 * signature is the credential, as with S3 presigned URLs, so both routes are public.
 */
@Controller('files/local')
export class LocalStorageController {
  constructor(@Inject(LocalStorageService) private readonly local: LocalStorageService) {}

  @Put()
  @Public()
  @ApiKeyExempt()
  @HttpCode(204)
  @RouteConfig({ [STREAM_BODY]: true })
  @ApiOperation({
    summary: 'Local driver: receive an upload at a signed URL from POST /files/uploads.',
    tags,
    responses: { 204: null },
    bytesBody: true,
    errors: ['UPLOAD_URL_INVALID', 'UPLOAD_URL_EXPIRED', 'UPLOAD_CONTENT_MISMATCH'],
  })
  upload(@ValidQuery(LocalUploadQuerySchema) query: LocalUploadQuery, @Req() request: FastifyRequest) {
    return this.local.receiveUpload(query, uploadHeaders(request), request.body);
  }

  @Get()
  @Public()
  @ApiKeyExempt()
  @Header('Cache-Control', 'private, max-age=300')
  @Header('Accept-Ranges', 'bytes')
  // Helmet's same-origin default would stop a frontend on another origin from showing the image.
  @Header('Cross-Origin-Resource-Policy', 'cross-origin')
  @ApiOperation({
    summary: 'Local driver: serve a file at a signed URL (where GET /files/:id redirects).',
    tags,
    responses: { 200: 'bytes', 206: 'bytes' },
    errors: ['DOWNLOAD_URL_INVALID', 'DOWNLOAD_URL_EXPIRED', 'FILE_NOT_FOUND', 'RANGE_NOT_SATISFIABLE'],
  })
  async download(
    @ValidQuery(LocalDownloadQuerySchema) query: LocalDownloadQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { file, contentRange } = await this.local.download(
      query,
      request.headers.range,
      headerText(request.headers['if-range']),
    );
    if (contentRange) reply.status(206).header('content-range', contentRange);
    return file;
  }
}

function uploadHeaders(request: FastifyRequest) {
  return { contentType: request.headers['content-type'], contentLength: request.headers['content-length'] };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
