// CDK app entry for the CLI (`cdk synth|deploy`, see cdk.json). The only place, with the other
// files in infra/bin/, that reads the environment.
import { App } from 'aws-cdk-lib';
import { addDeployment } from '../lib/deployment.js';
import { applyAwsSolutionsChecks } from '../lib/nag.js';
import { missingArtifacts, settingsFromLookup } from './context.js';

const app = new App();
const lookup = (key: string): string | undefined => {
  const fromContext = app.node.tryGetContext(key) as unknown;
  if (fromContext !== undefined && fromContext !== '') return String(fromContext);
  // Empty variables count as unset: CI passes optional repository variables unconditionally.
  return process.env[`CLOUDNEST_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] || undefined;
};
// The region comes from the preset (or -c region=…), never from the profile's default region.
const settings = settingsFromLookup(lookup, { account: process.env.CDK_DEFAULT_ACCOUNT });
const missing = missingArtifacts(settings);
if (missing.length > 0) throw new Error(`Missing build artifacts:\n  - ${missing.join('\n  - ')}`);
applyAwsSolutionsChecks(app);
addDeployment(app, settings);
app.synth();
