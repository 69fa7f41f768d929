import { installReflectMetadata } from './reflect-metadata.js';

// What `import 'reflect-metadata'` becomes in the Lambda bundles (api/scripts/reflect-metadata-for-lambda.ts):
// the metadata API on the global Reflect, for Nest and the app.
installReflectMetadata(Reflect);
