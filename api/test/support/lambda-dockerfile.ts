import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** One instruction of a Dockerfile, continuation lines joined. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function instructions(dockerfile: string): Instruction[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/**
 * Static checks for the Lambda image (no Docker engine on the build machines): the final stage
 * is the Lambda Node.js 22 base image, it copies the directory the Lambda build writes, the CMD
 * names the handler the bundle exports, it does not run as root, and every file the build stage
 * copies from the repository exists.
 * @returns problems, empty when the Dockerfile is consistent with the build
 */
export function lambdaDockerfileProblems(
  dockerfile: string,
  repoRoot: string,
  expected: { readonly bundleDir: string; readonly handler: string; readonly buildScript: string },
): string[] {
  const problems: string[] = [];
  const all = instructions(dockerfile);
  const lastFrom = all.map((i) => i.keyword).lastIndexOf('FROM');
  const finalStage = all.slice(lastFrom);
  const buildStages = all.slice(0, lastFrom);
  if (!/^public\.ecr\.aws\/lambda\/nodejs:22(\s|$|@)/.test(finalStage[0]?.args ?? '')) {
    problems.push(`final stage must be FROM public.ecr.aws/lambda/nodejs:22, is "${finalStage[0]?.args}"`);
  }
  const copies = finalStage.filter((i) => i.keyword === 'COPY');
  if (
    !copies.some(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JS template
      (i) => i.args.includes(`/app/${expected.bundleDir}/`) && i.args.includes('${LAMBDA_TASK_ROOT}'),
    )
  ) {
    problems.push(`final stage must COPY /app/${expected.bundleDir}/ into \${LAMBDA_TASK_ROOT}`);
  }
  const cmd = finalStage.find((i) => i.keyword === 'CMD')?.args;
  if (cmd !== JSON.stringify([expected.handler]))
    problems.push(`CMD must be ["${expected.handler}"], is ${cmd}`);
  const user = finalStage.filter((i) => i.keyword === 'USER').at(-1)?.args;
  if (!user || /^(root|0)(:|$)/.test(user))
    problems.push(`final stage must set a non-root USER, has ${user}`);
  if (!buildStages.some((i) => i.keyword === 'RUN' && i.args.includes(expected.buildScript))) {
    problems.push(`a build stage must RUN ${expected.buildScript}`);
  }
  for (const copy of buildStages.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
    const sources = copy.args.split(/\s+/).slice(0, -1);
    for (const source of sources) {
      if (!existsSync(join(repoRoot, source))) problems.push(`COPY source ${source} does not exist`);
    }
  }
  return problems;
}
