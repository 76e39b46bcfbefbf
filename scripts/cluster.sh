#!/usr/bin/env bash
# Several ClientPulse processes on one machine, as in production but in one folder: PostgreSQL (the machine's),
# a private Redis (live stream and sign-ins, kept in an append-only file; deploy/redis.conf: no client without the
# password, which is made on the first start and kept in the folder's redis_password), N app processes and nginx in
# front (deploy/nginx.conf.template: WebSocket upgrade, sticky sessions, a frozen process bypassed).
#
#   scripts/cluster.sh start [--demo]   start everything (--demo: create the demo business first); prints the address
#   scripts/cluster.sh stop             stop everything
#   scripts/cluster.sh status           what runs
#   scripts/cluster.sh node-kill I      kill process I (1..N) at once, as a crash would; node-start I starts it again
#   scripts/cluster.sh node-pause I     freeze process I (SIGSTOP: alive, answering nothing); node-resume I thaws it
#   scripts/cluster.sh redis-stop       kill Redis (the processes go on serving); redis-start starts it again
#
# Settings (environment): CLUSTER_DIR (/tmp/clientpulse-cluster), CLUSTER_PROCESSES (2), CLUSTER_PORT (8080, nginx),
# CLUSTER_FIRST_NODE_PORT (8081), CLUSTER_REDIS_PORT (6390), CLIENTPULSE_DATABASE_URL (default: database
# clientpulse_cluster on the local PostgreSQL, created if missing). Other CLIENTPULSE_* variables reach every process.
# tests/cluster/ drives this script.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${CLUSTER_DIR:-/tmp/clientpulse-cluster}"
PROCESSES="${CLUSTER_PROCESSES:-2}"
PORT="${CLUSTER_PORT:-8080}"
FIRST="${CLUSTER_FIRST_NODE_PORT:-8081}"
REDIS_PORT="${CLUSTER_REDIS_PORT:-6390}"
DATABASE_URL="${CLIENTPULSE_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/clientpulse_cluster}"
PYTHON="$ROOT/.venv/bin/python"
CLIENTPULSE="$ROOT/.venv/bin/clientpulse"

die() { echo "cluster: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 is not installed ($2)"; }

wait_for() {  # URL SECONDS: until it answers with any HTTP status
    local url="$1" deadline=$((SECONDS + $2))
    until "$PYTHON" -c "import sys, urllib.request, urllib.error
try: urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError: pass" "$url" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

secret_file() {  # FILE: a random secret made once, readable only by its owner
    [ -s "$1" ] || (umask 077 && "$PYTHON" -c 'import secrets; print(secrets.token_hex(32))' >"$1")
    chmod 600 "$1"
}

redis_start() {  # deploy/redis.conf with the user's file in this folder; the password never on a command line
    need redis-server 'apt-get install redis-server'
    alive "$DIR/redis.pid" && return 0
    STARTED+=(redis)
    mkdir -p "$DIR/redis"
    secret_file "$DIR/redis_password"
    (umask 077
     printf 'user clientpulse on >%s ~clientpulse:* &clientpulse:* +@all -@dangerous +info\n' \
         "$(cat "$DIR/redis_password")" >"$DIR/redis/clientpulse-user.conf"
     sed "s#^include /etc/redis/clientpulse-user.conf\$#include $DIR/redis/clientpulse-user.conf#" \
         "$ROOT/deploy/redis.conf" >"$DIR/redis/redis.conf")
    grep -q "^include $DIR/redis/clientpulse-user.conf\$" "$DIR/redis/redis.conf" \
        || die "deploy/redis.conf no longer includes /etc/redis/clientpulse-user.conf"
    redis-server "$DIR/redis/redis.conf" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DIR/redis" --save '' \
        --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
    for _ in $(seq 50); do alive "$DIR/redis.pid" && return 0; sleep 0.1; done
    die "Redis did not start (see $DIR/redis.log)"
}

redis_stop() {
    alive "$DIR/redis.pid" && kill -9 "$(cat "$DIR/redis.pid")" || true
    rm -f "$DIR/redis.pid"
}

database() {  # create the database if missing, then migrate it
    DATABASE_URL="$DATABASE_URL" "$PYTHON" - <<'PY'
import os
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
url = make_url(os.environ['DATABASE_URL'])
if url.get_backend_name() == 'postgresql':
    admin = create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    with admin.connect() as connection:
        if connection.execute(text('SELECT 1 FROM pg_database WHERE datname = :n'), {'n': url.database}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
PY
    CLIENTPULSE_DATABASE_URL="$DATABASE_URL" "$CLIENTPULSE" migrate >/dev/null
}

node_env() {  # I: the environment of process I
    local i="$1"
    echo "CLIENTPULSE_DATABASE_URL=$DATABASE_URL"
    echo "CLIENTPULSE_BUS_URL=redis://clientpulse:$(cat "$DIR/redis_password")@127.0.0.1:$REDIS_PORT/0"
    echo "CLIENTPULSE_STORAGE_SECRET=$(cat "$DIR/storage_secret")"
    echo "CLIENTPULSE_HOST=127.0.0.1"
    echo "CLIENTPULSE_PORT=$((FIRST + i - 1))"
    echo "CLIENTPULSE_DATA_DIR=$DIR/node-$i"
    echo "CLIENTPULSE_REPORTS_DIR=${CLIENTPULSE_REPORTS_DIR:-$DIR/reports}"
}

node_launch() {  # I: start process I in the background (node_wait waits for it)
    local i="$1"
    alive "$DIR/node-$i.pid" && return 0
    STARTED+=("node-$i")
    mkdir -p "$DIR/node-$i"
    # shellcheck disable=SC2046
    env $(node_env "$i") setsid "$CLIENTPULSE" run >>"$DIR/node-$i.log" 2>&1 &
    echo $! >"$DIR/node-$i.pid"
}

node_wait() {
    wait_for "http://127.0.0.1:$((FIRST + $1 - 1))/login" 60 || die "process $1 did not start (see $DIR/node-$1.log)"
}

node_start() { node_launch "$1"; node_wait "$1"; }

node_kill() {
    local i="$1"
    alive "$DIR/node-$i.pid" && kill -9 "$(cat "$DIR/node-$i.pid")" || true
    rm -f "$DIR/node-$i.pid"
}

node_signal() {  # SIGNAL I
    alive "$DIR/node-$2.pid" || die "process $2 is not running"
    kill "-$1" "$(cat "$DIR/node-$2.pid")"
}

nginx_start() {
    need nginx 'apt-get install nginx'
    alive "$DIR/nginx/nginx.pid" && return 0
    mkdir -p "$DIR/nginx/logs" "$DIR/nginx/temp"
    local upstreams=''
    for i in $(seq "$PROCESSES"); do
        upstreams+="    server 127.0.0.1:$((FIRST + i - 1)) max_fails=1 fail_timeout=5s;"$'\n'
    done
    {
        echo "worker_processes 1;"
        echo "pid $DIR/nginx/nginx.pid;"
        echo "error_log $DIR/nginx/logs/error.log;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        echo "    access_log $DIR/nginx/logs/access.log;"
        for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $DIR/nginx/temp/$t;"; done
        UPSTREAMS="$upstreams" PORT="$PORT" "$PYTHON" -c "import os, sys
text = open(sys.argv[1]).read().replace('@UPSTREAMS@', os.environ['UPSTREAMS'].rstrip()).replace('@PORT@', os.environ['PORT'])
print(text)" "$ROOT/deploy/nginx.conf.template"
        echo "}"
    } >"$DIR/nginx/nginx.conf"
    nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -t -q || die "nginx refused $DIR/nginx/nginx.conf"
    STARTED+=(nginx)
    nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf"
    wait_for "http://127.0.0.1:$PORT/login" 20 || die "nginx does not answer on port $PORT (see $DIR/nginx/logs)"
}

nginx_stop() {
    alive "$DIR/nginx/nginx.pid" && kill "$(cat "$DIR/nginx/nginx.pid")" || true
    rm -f "$DIR/nginx/nginx.pid"
}

prerequisites() {  # everything start needs, checked before anything is started
    [ -x "$CLIENTPULSE" ] || die "install ClientPulse first (scripts/test.sh or scripts/demo.sh make .venv)"
    need redis-server 'apt-get install redis-server'
    need nginx 'apt-get install nginx'
}

STARTED=()  # what this start launched (redis, node-I, nginx), stopped again if it fails half-way

undo_start() {  # the EXIT trap of start: after a failure, stop what this start launched, newest first
    local status=$? i
    [ "$status" -eq 0 ] && return 0
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
        case "${STARTED[$i]}" in
            redis) redis_stop ;;
            nginx) nginx_stop ;;
            node-*) node_kill "${STARTED[$i]#node-}" ;;
        esac
    done
    [ "${#STARTED[@]}" -eq 0 ] || echo "cluster: stopped what this start had started (${STARTED[*]})" >&2
    exit "$status"
}

start() {
    prerequisites
    trap undo_start EXIT
    mkdir -p "$DIR"
    secret_file "$DIR/storage_secret"
    database  # before any process: a database that cannot be reached stops the start with nothing running
    redis_start
    if [ "${1:-}" = --demo ]; then
        CLIENTPULSE_DATABASE_URL="$DATABASE_URL" CLIENTPULSE_DATA_DIR="$DIR/node-1" "$CLIENTPULSE" demo --no-serve
    fi
    for i in $(seq "$PROCESSES"); do node_launch "$i"; done  # side by side: each takes seconds to start
    for i in $(seq "$PROCESSES"); do node_wait "$i"; done
    nginx_start
    trap - EXIT
    echo "ClientPulse on http://127.0.0.1:$PORT ($PROCESSES processes, Redis on $REDIS_PORT, files in $DIR)"
}

stop() {
    nginx_stop
    for pid in "$DIR"/node-*.pid; do [ -f "$pid" ] && { kill -9 "$(cat "$pid")" 2>/dev/null || true; rm -f "$pid"; }; done
    redis_stop
}

status() {
    for pid in "$DIR"/redis.pid "$DIR"/node-*.pid "$DIR"/nginx/nginx.pid; do
        [ -f "$pid" ] || continue
        if alive "$pid"; then echo "$(basename "$pid" .pid): running"; else echo "$(basename "$pid" .pid): gone"; fi
    done
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    status) status ;;
    node-kill) node_kill "${2:?which process}" ;;
    node-start) node_start "${2:?which process}" ;;
    node-pause) node_signal STOP "${2:?which process}" ;;
    node-resume) node_signal CONT "${2:?which process}" ;;
    redis-stop) redis_stop ;;
    redis-start) redis_start ;;
    *) sed -n '2,19p' "$0"; exit 2 ;;
esac
