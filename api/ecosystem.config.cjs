// PM2 process file for the EC2 topology (seed 004): the backend on port 9999 under /api, behind
// the ALB. Build first (`npm run build -w @cloudnest/api`), then `pm2 start api/ecosystem.config.cjs`.
// DATABASE_URL and the JWT key come from the instance environment (user data reads them from
// Secrets Manager at boot); nothing secret lives in this file.
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
