#!/usr/bin/env bash
# Starts a private, throwaway MariaDB on 127.0.0.1 for the MySQL-dialect tests and prints
#   export TEST_MYSQL_URL=mysql://...; export TEST_MYSQL_CA=...; export MARIADB_TEST_PID=...; …
# It serves TLS (optional for clients) with a certificate for localhost and 127.0.0.1 from a CA made
# here, whose certificate TEST_MYSQL_CA names, so the tests check DATABASE_SSL=verify-full on MySQL.
# Usage: eval "$(scripts/mariadb-test-server.sh)"   (installs mariadb-server from Debian if missing;
# needs root for that). Stop it and delete its files (~180 MB) with: scripts/mariadb-test-server.sh stop
set -euo pipefail
if [ "${1:-}" = stop ]; then
  kill "${MARIADB_TEST_PID:?}" 2>/dev/null || true
  # mariadbd is not the caller's child (it was started under `eval "$(…)"`), so poll for its exit
  # before removing the data directory it still writes to while shutting down.
  for _ in $(seq 1 100); do kill -0 "$MARIADB_TEST_PID" 2>/dev/null || break; sleep 0.2; done
  case "${MARIADB_TEST_DIR:-}" in /tmp/cloudnest-mariadb-*) rm -rf "$MARIADB_TEST_DIR" ;; esac
  exit 0
fi
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  echo "installing mariadb-server from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >&2
fi
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
dir=$(mktemp -d /tmp/cloudnest-mariadb-XXXXXX)
chmod 755 "$dir"
run_as=()
if [ "$(id -u)" = 0 ]; then chown mysql:mysql "$dir"; run_as=(--user=mysql); fi
# No test database: it comes with grants to every user on any database named test or test_*, which
# the test databases are, so a user's own grants (the API user's row rights) went untested.
mariadb-install-db "${run_as[@]}" --datadir="$dir/data" --auth-root-authentication-method=socket \
  --skip-test-db >/dev/null 2>&1
# The CA and the server's certificate, valid for a day. mysql2 checks an IP host against the name
# "localhost" (it sends no server name for IPs), hence both names.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=CloudNest MariaDB test CA' \
  -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
  -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 1 -extfile "$dir/server.ext" -out "$dir/server.pem" >/dev/null 2>&1
if [ "$(id -u)" = 0 ]; then chown mysql:mysql "$dir/server.key" "$dir/server.pem"; fi
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$MARIADBD" "${run_as[@]}" --datadir="$dir/data" --socket="$dir/mysqld.sock" --port="$port" \
  --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
  --innodb-flush-log-at-trx-commit=0 \
  --ssl-ca="$dir/ca.pem" --ssl-cert="$dir/server.pem" --ssl-key="$dir/server.key" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if mariadb --socket="$dir/mysqld.sock" -uroot -e 'select 1' >/dev/null 2>&1; then break; fi
  sleep 0.2
done
password=$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")
mariadb --socket="$dir/mysqld.sock" -uroot -e "
  CREATE USER 'cloudnest'@'127.0.0.1' IDENTIFIED BY '$password';
  -- GRANT OPTION like RDS's master user: the migrations grant the API user its rights.
  GRANT ALL PRIVILEGES ON *.* TO 'cloudnest'@'127.0.0.1' WITH GRANT OPTION;
  DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)';
  CREATE DATABASE cloudnest_test;"
echo "export TEST_MYSQL_URL=mysql://cloudnest:$password@127.0.0.1:$port/cloudnest_test"
echo "export TEST_MYSQL_CA=$dir/ca.pem"
echo "export MARIADB_TEST_PID=$pid"
echo "export MARIADB_TEST_DIR=$dir"
