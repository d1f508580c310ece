# shellcheck shell=bash
# MariaDB 10.11 (Debian mariadb-server): the MySQL-compatible server the rotation tests and soaks
# log in to (tests/it/backends.rs starts one mariadbd per test binary, as the mysql user, in a
# temp dir on a free loopback port). Debian's package starts no server here: there is no init.
if [[ ! -x /usr/sbin/mariadbd || ! -x /usr/bin/mariadb-install-db ]]; then
  command -v apt-get >/dev/null 2>&1 || die "MariaDB (mariadbd) is missing and apt-get is not available"
  log "apt-get install mariadb-server"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq mariadb-server) >&2 ||
    die "apt-get install mariadb-server failed"
fi
mkdir -p -- "$TOOLS/mariadb"
ln -sfn /usr/sbin/mariadbd "$TOOLS/mariadb/mariadbd"
ln -sfn /usr/bin/mariadb-install-db "$TOOLS/mariadb/mariadb-install-db"
ln -sfn /usr/bin/mariadb "$TOOLS/mariadb/mariadb"
log "MariaDB: $("$TOOLS/mariadb/mariadbd" --version)"
