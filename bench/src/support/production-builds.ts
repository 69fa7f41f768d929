import { join } from 'node:path';
import { build } from 'esbuild';
import { buildServer } from '../../../api/scripts/build.js';
import { baseOptions } from '../../../api/scripts/esbuild-options.js';

const repositoryDir = join(import.meta.dirname, '..', '..', '..');

/**
 * The servers the throughput and auth benchmarks run, built as production builds them: the app is
 * `api/dist/server/main.mjs`, the bundle the Docker image and PM2 run (`npm run build` makes the
 * same file); the raw Fastify peer is bundled with the same esbuild settings, so neither side
 * carries a loader (tsx) that production does not have. Both bundles live inside the repository
 * so their external packages resolve from node_modules.
 */
export interface ProductionBuilds {
  readonly app: string;
  readonly rawFastify: string;
}

let builds: Promise<ProductionBuilds> | undefined;

/** Builds both once per benchmark process. */
export function productionBuilds(): Promise<ProductionBuilds> {
  builds ??= (async () => {
    await buildServer();
    const peerDir = join(repositoryDir, 'bench', 'dist');
    await build({
      ...baseOptions,
      // Fastify's own schema compilers stay external (resolved from node_modules): the peer uses them.
      entryPoints: { 'raw-fastify': join(repositoryDir, 'bench', 'src', 'peers', 'raw-fastify.ts') },
      outdir: peerDir,
      outExtension: { '.js': '.mjs' },
      target: 'node20',
    });
    return {
      app: join(repositoryDir, 'api', 'dist', 'server', 'main.mjs'),
      rawFastify: join(peerDir, 'raw-fastify.mjs'),
    };
  })();
  return builds;
}
