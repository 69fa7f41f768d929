// PM2 process file for running the backend by hand on a server of your own (seed 004's layout:
// port 9999 under /api, behind a load balancer). Build first (`npm run build -w @cloudnest/api`),
// then `pm2 start api/ecosystem.config.cjs` with DATABASE_URL (or DATABASE_SECRET_ARN), the JWT key
// and MFA_ENCRYPTION_KEY in the environment; nothing secret lives in this file. Behind a load
// balancer also set TRUSTED_PROXIES to its addresses (its subnets' CIDRs): without it every client
// has the balancer's address, so one client's failed sign-ins rate-limit everyone. infra's ec2-alb
// topology does not use this file: its user data writes its own process file with the secrets'
// ARNs and TRUSTED_PROXIES.
module.exports = {
  apps: [
    {
      name: 'cloudnest-api',
      script: 'dist/server/main.mjs',
      cwd: __dirname,
      exec_mode: 'fork',
      instances: 1,
      // Graceful shutdown drains in-flight requests; give it longer than SHUTDOWN_TIMEOUT_MS.
      kill_timeout: 15000,
      max_memory_restart: '512M',
      env: {
        NODE_ENV: 'production',
        PORT: '9999',
        HOST: '0.0.0.0',
        API_PREFIX: '/api',
        LOG_LEVEL: 'info',
      },
    },
  ],
};
