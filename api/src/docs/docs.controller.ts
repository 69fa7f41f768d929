import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import { DocsService } from './docs.service.js';

/** Serves the OpenAPI document and a Swagger UI page for it (disabled by DOCS_ENABLED=false). */
@Controller('docs')
@Public()
export class DocsController {
  constructor(@Inject(DocsService) private readonly docs: DocsService) {}

  @Get('json')
  document() {
    return this.docs.document();
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  ui() {
    return this.docs.uiPage();
  }

  @Get('assets/swagger-ui.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  stylesheet() {
    return this.docs.uiAsset('swagger-ui.css');
  }

  @Get('assets/swagger-ui-bundle.js')
  @Header('content-type', 'application/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  script() {
    return this.docs.uiAsset('swagger-ui-bundle.js');
  }

  @Get('assets/init.js')
  @Header('content-type', 'application/javascript; charset=utf-8')
  init() {
    return this.docs.uiInitScript();
  }
}
