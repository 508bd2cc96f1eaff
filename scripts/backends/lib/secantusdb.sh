# shellcheck shell=bash
# SecantusDB (PyPI, beta; Python + WiredTiger speaking the MongoDB wire protocol, reports 8.2) for the GridFS tests,
# on 127.0.0.1:$MONGO_PORT, standalone topology. It is NOT mongod: no MongoDB server can be installed here.
# Venv: $CACHE/venv-mongo (pins in requirements/secantusdb.txt). Layout: $STATE/secantusdb/{pid,server.log,data/}.

secantusdb_packages() { echo python3-venv; }

secantusdb_install() {
    ensure_venv "$CACHE/venv-mongo" "$BACKENDS_DIR/requirements/secantusdb.txt"
}

secantusdb_env() {
    export_line GLANCE_TEST_MONGODB_URI "mongodb://127.0.0.1:$MONGO_PORT/"
}

secantusdb_check() {
    local py=$CACHE/venv-mongo/bin/python
    if ! "$py" -c 'import sys, pymongo
pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=3000, connectTimeoutMS=3000).admin.command("ping")' \
        "mongodb://127.0.0.1:$MONGO_PORT/" 2>/dev/null; then
        warn "ping (pymongo) failed on mongodb://127.0.0.1:$MONGO_PORT/"
        return 1
    fi
}

secantusdb_up() {
    local S=$STATE/secantusdb t0 bin=$CACHE/venv-mongo/bin/secantusd-py
    t0=$(now_ms)
    if [ -d "$S" ] && alive "$S/pid" secantusd-py; then
        reuse_running secantusdb "$S/server.log"
        return
    fi
    if [ -e "$S" ]; then
        log "stale state in $S (server not running): removing it"
        rm -rf "$S"
    fi
    [ -x "$bin" ] || { warn "$bin is missing: run scripts/backends/install"; return 1; }
    require_free_ports "$MONGO_PORT"
    guard_start secantusdb
    mkdir -p "$S"
    # --standalone: advertise a standalone topology (the default is a one-node replica set).
    start_bg "$S/server.log" "$S/pid" "$bin" --host 127.0.0.1 --port "$MONGO_PORT" --storage-path "$S/data" \
        --standalone --cache-size 256M
    wait_ready "secantusdb" "$S/server.log" secantusdb_check "$S/pid" secantusd-py
    log "ready in $(since_ms "$t0") on mongodb://127.0.0.1:$MONGO_PORT/"
    trap - EXIT
}

secantusdb_down() {
    local S=$STATE/secantusdb
    # It needs about 2 s to close WiredTiger after SIGTERM.
    stop_pid "$S/pid" secantusd-py 20
    [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$S"
    log "stopped"
}
