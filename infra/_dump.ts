import { sampleSettings, synthesize } from './test/support.js';

const t = synthesize(sampleSettings(process.argv[2] as never, process.argv[3] as never)).template.toJSON();
const type = process.argv[4];
for (const [k, v] of Object.entries(t.Resources as Record<string, { Type: string; Properties: unknown }>))
  if (v.Type === type) console.log(k, JSON.stringify(v.Properties).slice(0, Number(process.argv[5] ?? 1500)));
