import { type CheckResult, checkTemplates, findPath, parseTemplate, type Workload } from 'netcheck';
import { beforeAll, describe, expect, it } from 'vitest';
import { supportedCombinations, type Topology } from '../lib/presets.js';
import { sampleSettings, synthesize } from './support.js';

/** The workload that runs the API in each topology (logical ids are stable construct ids). */
const API_COMPUTE: Record<Topology, RegExp> = {
  'lambda-vpc': /^ApiFunction[0-9A-F]{8}$/,
  'lambda-image': /^ApiFunction[0-9A-F]{8}$/,
  fargate: /^ApiService[0-9A-F]{8}$/,
  'ec2-alb': /^AppBackendGroupASG[0-9A-F]{8}$/,
};

const cases = supportedCombinations().map((c) => ({ ...c, name: `${c.topology} × ${c.preset}` }));

describe('netcheck over every synthesized topology', () => {
  const results = new Map<string, CheckResult>();
  beforeAll(() => {
    for (const { topology, preset, name } of cases) {
      const { template } = synthesize(sampleSettings(topology, preset), { nag: false });
      results.set(
        name,
        checkTemplates([
          parseTemplate(JSON.stringify(template.toJSON()), { name: `CloudNest-${preset}-${topology}` }),
        ]),
      );
    }
  });

  const workloads = (name: string) => {
    const result = results.get(name);
    if (!result) throw new Error(`no result for ${name}`);
    const all = [...result.model.workloads.values()];
    const one = (predicate: (w: Workload) => boolean, what: string) => {
      const found = all.filter(predicate);
      if (found.length !== 1)
        throw new Error(
          `${name}: expected one ${what}, found ${found.map((w) => w.id).join(', ') || 'none'}`,
        );
      return found[0] as Workload;
    };
    return { result, one };
  };

  it.each(cases)('$name: the internet cannot reach the database', ({ name }) => {
    const { result, one } = workloads(name);
    const database = one((w) => w.role === 'database', 'database');
    const port = database.listeningPorts[0]?.port;
    expect(port).toBeTypeOf('number');
    expect(
      findPath(result.model, { from: 'internet', to: database.id, port: port as number }).reachable,
    ).toBe(false);
  });

  it.each(cases)('$name: the API compute reaches the database port', ({ name, topology }) => {
    const { result, one } = workloads(name);
    const database = one((w) => w.role === 'database', 'database');
    const api = one((w) => API_COMPUTE[topology].test(w.id), 'API compute');
    const path = findPath(result.model, {
      from: api.id,
      to: database.id,
      port: database.listeningPorts[0]?.port as number,
    });
    expect(path.reachable, JSON.stringify(path.blockedAt)).toBe(true);
  });

  it.each(cases)(
    '$name: the API compute reaches the internet on 443 (SES through the NAT)',
    ({ name, topology }) => {
      const { result, one } = workloads(name);
      const api = one((w) => API_COMPUTE[topology].test(w.id), 'API compute');
      const path = findPath(result.model, { from: api.id, to: 'internet', port: 443 });
      expect(path.reachable, JSON.stringify(path.blockedAt)).toBe(true);
      expect(path.path.map((hop) => hop.kind)).toContain('nat-gateway');
    },
  );

  it.each(cases)(
    '$name: the API user’s password rotation reaches the database port and Secrets Manager',
    ({ name }) => {
      const { result, one } = workloads(name);
      const database = one((w) => w.role === 'database', 'database');
      const rotation = one((w) => w.kind === 'secret-rotation', 'rotation function');
      expect(rotation.secretRotation?.databaseId).toBe(database.id);
      for (const query of [
        { to: database.id, port: database.listeningPorts[0]?.port as number },
        { to: 'aws:secretsmanager', port: 443 },
      ]) {
        const path = findPath(result.model, { from: rotation.id, ...query });
        expect(path.reachable, `${query.to}: ${JSON.stringify(path.blockedAt)}`).toBe(true);
      }
    },
  );

  it.each(cases)('$name: no error findings', ({ name }) => {
    const { result } = workloads(name);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
