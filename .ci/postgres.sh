#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 server on loopback for the tests, or stops it.
#   .ci/postgres.sh start DIR   initdb in DIR, start on a free port, print the connection string
#   .ci/postgres.sh stop DIR    stop it and remove DIR
#   .ci/postgres.sh pause DIR   stop the server, keeping its data (the chaos run's journal outage)
#   .ci/postgres.sh resume DIR  start it again on the same port
# initdb refuses to run as root, so as root the server runs as the user "cqci" (created if needed).
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
if [[ ! -x "$bin/initdb" ]]; then
  echo "PostgreSQL 15 is not installed (no initdb); on Debian: apt-get install -y postgresql-15" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    su cqci -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    dir=${2:?usage: postgres.sh start DIR}
    if [[ $(id -u) -eq 0 ]] && ! id cqci >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin cqci
    fi
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown cqci "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U cq --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in $(seq 1 20); do
      port=$((20000 + RANDOM % 10000))
      # fsync and synchronous_commit stay on (their defaults): the tests check that a confirmed
      # message is durable; more connections than the default 100 for several nodes' pools.
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
          -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null 2>&1; then
        echo "$port" > "$dir/port"
        echo "Host=127.0.0.1;Port=$port;Username=cq;Database=postgres"
        exit 0
      fi
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    if [[ -d "$dir/data" ]]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  pause)
    dir=${2:?usage: postgres.sh pause DIR}
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    dir=${2:?usage: postgres.sh resume DIR}
    port=$(cat "$dir/port")
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null
    ;;
  *)
    echo "usage: postgres.sh start DIR | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
