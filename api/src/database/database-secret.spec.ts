import { describe, expect, it } from 'vitest';
import { databaseUrlFromSecret } from './database-secret.js';

const rds = {
  engine: 'postgres',
  host: 'db.cluster-abc.eu-west-1.rds.amazonaws.com',
  port: 5432,
  username: 'cloudnest',
  password: 'p@ss/w:rd?#%',
  dbname: 'cloudnest',
};

describe('databaseUrlFromSecret', () => {
  it('builds a URL from the RDS secret shape, percent-encoding credentials', () => {
    const url = databaseUrlFromSecret(rds, 'postgres', 'arn');
    expect(url).toBe(
      'postgres://cloudnest:p%40ss%2Fw%3Ard%3F%23%25@db.cluster-abc.eu-west-1.rds.amazonaws.com:5432/cloudnest',
    );
    expect(decodeURIComponent(new URL(url).password)).toBe(rds.password);
  });

  it('connects through DATABASE_HOST (an RDS Proxy endpoint) with the secret credentials', () => {
    const url = new URL(
      databaseUrlFromSecret(rds, 'postgres', 'arn', 'proxy.proxy-abc.eu-west-1.rds.amazonaws.com'),
    );
    expect(url.hostname).toBe('proxy.proxy-abc.eu-west-1.rds.amazonaws.com');
    expect(url.username).toBe('cloudnest');
  });

  it('accepts MySQL-family engines for mysql and defaults the port', () => {
    const { port: _port, ...withoutPort } = rds;
    expect(databaseUrlFromSecret({ ...withoutPort, engine: 'mariadb' }, 'mysql', 'arn')).toMatch(
      /^mysql:\/\/cloudnest:.*:3306\/cloudnest$/,
    );
    expect(
      databaseUrlFromSecret({ ...rds, engine: 'aurora-postgresql', port: '6543' }, 'postgres', 'arn'),
    ).toContain(':6543/');
  });

  it('fails naming every missing field', () => {
    expect(() =>
      databaseUrlFromSecret({ engine: 'postgres', host: 'h', password: '' }, 'postgres', 'my-arn'),
    ).toThrow('Database secret my-arn lacks username, password, dbname');
  });

  it('fails when the secret is for another engine than DATABASE_ENGINE', () => {
    expect(() => databaseUrlFromSecret(rds, 'mysql', 'arn')).toThrow('set DATABASE_ENGINE to match');
  });

  it('fails on a port that is not a port', () => {
    expect(() => databaseUrlFromSecret({ ...rds, port: 'x' }, 'postgres', 'arn')).toThrow('invalid port');
    // The bounds themselves: 0 and 65536 are not ports, 1 and 65535 are.
    expect(() => databaseUrlFromSecret({ ...rds, port: 0 }, 'postgres', 'arn')).toThrow('invalid port');
    expect(() => databaseUrlFromSecret({ ...rds, port: 65536 }, 'postgres', 'arn')).toThrow('invalid port');
    expect(databaseUrlFromSecret({ ...rds, port: 1 }, 'postgres', 'arn')).toContain(':1/');
    expect(databaseUrlFromSecret({ ...rds, port: 65535 }, 'postgres', 'arn')).toContain(':65535/');
  });
});
