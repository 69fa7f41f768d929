// PM2 process file for running the backend by hand on a server of your own (seed 004's layout:
// port 9999 under /api, behind a load balancer). Build first (`npm run build -w @cloudnest/api`),
// then `pm2 start api/ecosystem.config.cjs` with DATABASE_URL (or DATABASE_SECRET_ARN), the JWT key
// and MFA_ENCRYPTION_KEY in the environment; nothing secret lives in this file. infra's ec2-alb
// topology does not use it: its user data writes its own process file with the secrets' ARNs.
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
