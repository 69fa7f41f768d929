import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLambda, type LambdaBundleReport, type LambdaFunctionName } from '../../scripts/build-lambda.js';

/** Builds one Lambda function exactly as `npm run build` does, into a fresh temporary directory. */
export async function buildLambdaForTest(name: LambdaFunctionName): Promise<LambdaBundleReport> {
  const outdir = await mkdtemp(join(tmpdir(), 'cloudnest-lambda-'));
  const [report] = await buildLambda({ outdir, functions: [name] });
  if (!report) throw new Error(`no bundle built for ${name}`);
  return report;
}
