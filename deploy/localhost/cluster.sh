#!/usr/bin/env bash
# A ClusterQueue cluster on 127.0.0.1, in the background.
#
#   deploy/localhost/cluster.sh start [N]   build, then start N nodes (default 3) and wait until all are Up
#   deploy/localhost/cluster.sh status      the node processes, then the members as the cluster sees them
#   deploy/localhost/cluster.sh stop        SIGTERM every node: each leaves the cluster, hands off, exits
#
# Node i listens on remoting port 4052+i and HTTP port 8052+i; the first three nodes are the seeds.
# Logs, pid files, binaries and the SQLite journal go to the run folder: $CQ_RUN_DIR, default ./run.
# CQ_LOCALHOST_PORT and CQ_LOCALHOST_HTTP_PORT move the first node's ports (defaults 4053, 8053).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run_dir=${CQ_RUN_DIR:-$repo/run}
base_port=${CQ_LOCALHOST_PORT:-4053}
base_http_port=${CQ_LOCALHOST_HTTP_PORT:-8053}
# status and stop use the ports the cluster was started with.
if [[ ${1:-} != start && -f $run_dir/ports ]]; then read -r base_port base_http_port <"$run_dir/ports"; fi
max_nodes=20
start_timeout_seconds=90
stop_timeout_seconds=90

say() { printf '%s\n' "$*"; }
fail() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# HTTP status code of GET http://127.0.0.1:port/path, or nothing when no one answers.
http_status() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
    read -r -t 5 _ status _ <&3 && printf '%s' "$status"
  ) 2>/dev/null
}

pid_files() { compgen -G "$run_dir/node-*.pid" | sort -V || true; }

# Running, and not a zombie left unreaped by a container's init.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

node_index() { local name=${1##*/node-}; printf '%s' "${name%.pid}"; }

running_pids() {
  local file pid
  for file in $(pid_files); do
    pid=$(<"$file")
    if alive "$pid"; then printf '%s\n' "$pid"; fi
  done
}

cq() { dotnet "$run_dir/bin/cq/cq.dll" "$@"; }

live_contacts() {
  local file contacts=()
  for file in $(pid_files); do
    if alive "$(<"$file")"; then contacts+=("127.0.0.1:$((base_port + $(node_index "$file") - 1))"); fi
  done
  local IFS=,
  printf '%s' "${contacts[*]}"
}

start() {
  local count=${1:-3}
  [[ $base_port =~ ^[0-9]+$ && $base_http_port =~ ^[0-9]+$ ]] \
    || fail "CQ_LOCALHOST_PORT '$base_port' and CQ_LOCALHOST_HTTP_PORT '$base_http_port' must be port numbers"
  [[ $count =~ ^[0-9]+$ ]] && ((count >= 1 && count <= max_nodes)) \
    || fail "node count '$count' is not a number from 1 to $max_nodes"

  local running
  running=$(running_pids | tr '\n' ' ')
  [[ -z $running ]] || fail "a cluster is already running from $run_dir (pids ${running% }); stop it first: $0 stop"

  local i port http_port
  for ((i = 1; i <= count; i++)); do
    port=$((base_port + i - 1))
    http_port=$((base_http_port + i - 1))
    ! port_in_use "$port" || fail "port $port (remoting of node $i) is in use by another program"
    ! port_in_use "$http_port" || fail "port $http_port (HTTP of node $i) is in use by another program"
  done

  mkdir -p "$run_dir/data"
  rm -f "$run_dir"/node-*.pid
  printf '%s %s\n' "$base_port" "$base_http_port" >"$run_dir/ports"
  say "Building the node and cq into $run_dir/bin ..."
  dotnet build "$repo/src/ClusterQueue.Node" -c Release -o "$run_dir/bin/node" --nologo -v quiet >"$run_dir/build.log" 2>&1 \
    || fail "building the node failed; see $run_dir/build.log"
  dotnet build "$repo/src/ClusterQueue.Cli" -c Release -o "$run_dir/bin/cq" --nologo -v quiet >>"$run_dir/build.log" 2>&1 \
    || fail "building cq failed; see $run_dir/build.log"

  local seeds="" seed_count=$((count < 3 ? count : 3))
  for ((i = 0; i < seed_count; i++)); do seeds+="${seeds:+,}127.0.0.1:$((base_port + i))"; done

  for ((i = 1; i <= count; i++)); do
    port=$((base_port + i - 1))
    http_port=$((base_http_port + i - 1))
    CQ_HOST=127.0.0.1 CQ_PORT=$port CQ_HTTP_PORT=$http_port CQ_SEEDS=$seeds CQ_DATA_DIR="$run_dir/data" \
      setsid nohup dotnet "$run_dir/bin/node/ClusterQueue.Node.dll" >"$run_dir/node-$i.log" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$run_dir/node-$i.pid"
    say "node $i: pid $!, remoting 127.0.0.1:$port, http http://127.0.0.1:$http_port, log $run_dir/node-$i.log"
  done

  say "Waiting for $count node(s) to be Up ..."
  local deadline=$((SECONDS + start_timeout_seconds)) ready
  while :; do
    ready=0
    for ((i = 1; i <= count; i++)); do
      alive "$(<"$run_dir/node-$i.pid")" \
        || fail "node $i exited during start-up; the end of its log:"$'\n'"$(tail -n 20 "$run_dir/node-$i.log")"
      [[ $(http_status $((base_http_port + i - 1)) /health/ready) == 200 ]] && ready=$((ready + 1))
    done
    ((ready == count)) && break
    ((SECONDS < deadline)) || fail "only $ready of $count nodes were Up after ${start_timeout_seconds}s; see $run_dir/node-*.log"
    sleep 1
  done
  cq cluster show --contact "$(live_contacts)"
}

status() {
  local files file pid i
  files=$(pid_files)
  if [[ -z $files ]]; then
    say "No ClusterQueue nodes were started from $run_dir."
    return 1
  fi
  for file in $files; do
    pid=$(<"$file")
    i=$(node_index "$file")
    if alive "$pid"; then
      local ready
      ready=$(http_status $((base_http_port + i - 1)) /health/ready)
      say "node $i: pid $pid running, remoting 127.0.0.1:$((base_port + i - 1)), /health/ready: ${ready:-no answer}"
    else
      say "node $i: pid $pid not running; log $run_dir/node-$i.log"
    fi
  done
  local contacts
  contacts=$(live_contacts)
  [[ -n $contacts ]] || { say "No node is running."; return 1; }
  cq cluster show --contact "$contacts"
}

stop() {
  local pids
  pids=$(running_pids)
  if [[ -z $pids ]]; then
    say "Nothing to stop: no ClusterQueue node started from $run_dir is running."
    rm -f "$run_dir"/node-*.pid
    return 0
  fi
  say "Stopping $(wc -w <<<"$pids") node(s) gracefully: $(tr '\n' ' ' <<<"$pids")"
  local pid
  # One at a time, so each leaving node hands its shards to nodes that stay up.
  for pid in $pids; do
    kill -TERM "$pid" 2>/dev/null || continue
    local deadline=$((SECONDS + stop_timeout_seconds))
    while alive "$pid"; do
      ((SECONDS < deadline)) || fail "pid $pid did not exit within ${stop_timeout_seconds}s; it is still running"
      sleep 0.5
    done
  done
  rm -f "$run_dir"/node-*.pid
  say "Stopped."
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  status) status ;;
  stop) stop ;;
  *) fail "usage: $0 start [N] | status | stop" ;;
esac
