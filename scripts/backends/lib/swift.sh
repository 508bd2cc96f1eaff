# shellcheck shell=bash
# OpenStack Swift (PyPI, pins in requirements/swift.txt), single node and single replica ("SAIO") on 127.0.0.1:
# proxy $SWIFT_PORT (tempauth: user glance:glance, key glancepass, account AUTH_glance; auth URL /auth/v1.0),
# object/container/account servers $SWIFT_OBJECT_PORT/$SWIFT_CONTAINER_PORT/$SWIFT_ACCOUNT_PORT, and memcached
# $MEMCACHED_PORT (tempauth keeps its tokens there). All config under $STATE/swift/etc (every server conf sets
# swift_dir), nothing in /etc/swift. Venv: $CACHE/venv-swift.
# Layout: $STATE/swift/{etc/,node/d1/,log/,run/{memcached,object,container,account,proxy}.pid}

# name:command-line pattern of every process, in start order.
SWIFT_PROCESSES=(memcached:memcached object:swift-object-server container:swift-container-server
    account:swift-account-server proxy:swift-proxy-server)

swift_packages() { printf '%s\n' memcached python3-venv; }

swift_install() {
    ensure_venv "$CACHE/venv-swift" "$BACKENDS_DIR/requirements/swift.txt"
}

swift_env() {
    export_line GLANCE_TEST_SWIFT_AUTH_URL "http://127.0.0.1:$SWIFT_PORT/auth/v1.0"
    export_line GLANCE_TEST_SWIFT_USER glance:glance
    export_line GLANCE_TEST_SWIFT_KEY glancepass
}

swift_check() {
    local headers token url p
    # proxy + memcached: a tempauth login.
    if ! headers=$(curl -sf --max-time 5 -D - -o /dev/null -H 'X-Auth-User: glance:glance' \
        -H 'X-Auth-Key: glancepass' "http://127.0.0.1:$SWIFT_PORT/auth/v1.0"); then
        warn "tempauth login as glance:glance failed on http://127.0.0.1:$SWIFT_PORT/auth/v1.0"
        return 1
    fi
    headers=$(tr -d '\r' <<<"$headers")
    token=$(sed -n 's/^x-auth-token: *//Ip' <<<"$headers")
    url=$(sed -n 's/^x-storage-url: *//Ip' <<<"$headers")
    # account server, through the proxy.
    if ! curl -sf --max-time 5 -o /dev/null -I -H "X-Auth-Token: $token" "$url"; then
        warn "HEAD $url failed (account server)"
        return 1
    fi
    # object and container servers answer HTTP.
    for p in "$SWIFT_OBJECT_PORT" "$SWIFT_CONTAINER_PORT"; do
        if [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/d1/0/a/c" || true)" = 000 ]; then
            warn "no HTTP answer on 127.0.0.1:$p"
            return 1
        fi
    done
}

# swift_alive_count: how many of the five processes recorded in run/ are running.
swift_alive_count() {
    local p count=0
    for p in "${SWIFT_PROCESSES[@]}"; do
        alive "$STATE/swift/run/${p%%:*}.pid" "${p#*:}" && count=$((count + 1))
    done
    echo "$count"
}

swift_write_conf() {
    local S=$1 common
    cat > "$S/etc/swift.conf" <<EOC
[swift-hash]
swift_hash_path_suffix = glance-ci-suffix
swift_hash_path_prefix = glance-ci-prefix
[storage-policy:0]
name = Policy-0
default = yes
[swift-constraints]
max_file_size = 5368709122
EOC
    common="swift_dir = $S/etc
devices = $S/node
mount_check = false
user = $(id -un)
bind_ip = 127.0.0.1
workers = 1
log_level = INFO"
    local t name port
    for t in "object:$SWIFT_OBJECT_PORT" "container:$SWIFT_CONTAINER_PORT" "account:$SWIFT_ACCOUNT_PORT"; do
        name=${t%%:*}
        port=${t#*:}
        cat > "$S/etc/$name-server.conf" <<EOC
[DEFAULT]
$common
bind_port = $port
[pipeline:main]
pipeline = $name-server
[app:$name-server]
use = egg:swift#$name
EOC
    done
    cat > "$S/etc/proxy-server.conf" <<EOC
[DEFAULT]
swift_dir = $S/etc
bind_ip = 127.0.0.1
bind_port = $SWIFT_PORT
workers = 1
user = $(id -un)
log_level = INFO
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_glance_glance = glancepass .admin
storage_url_scheme = default
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
EOC
}

swift_up() {
    local S=$STATE/swift t0 venv=$CACHE/venv-swift alive_now
    t0=$(now_ms)
    alive_now=$(swift_alive_count)
    if [ -d "$S" ] && [ "$alive_now" = "${#SWIFT_PROCESSES[@]}" ]; then
        reuse_running swift "$S/log/proxy.log"
        return
    fi
    if [ -e "$S" ]; then
        log "stale state in $S ($alive_now of ${#SWIFT_PROCESSES[@]} processes running): removing it, starting afresh"
        swift_down >/dev/null
        rm -rf "$S"
    fi
    [ -x "$venv/bin/swift-proxy-server" ] || { warn "$venv is missing: run scripts/backends/install"; return 1; }
    command -v memcached >/dev/null || { warn "memcached is missing: run scripts/backends/install"; return 1; }
    require_free_ports "$SWIFT_PORT" "$SWIFT_OBJECT_PORT" "$SWIFT_CONTAINER_PORT" "$SWIFT_ACCOUNT_PORT" \
        "$MEMCACHED_PORT"
    guard_start swift
    mkdir -p "$S/etc" "$S/node/d1" "$S/run" "$S/log"
    swift_write_conf "$S"
    # Rings: partition power 8, 1 replica, min_part_hours 1, one device each.
    local t name port
    for t in "object:$SWIFT_OBJECT_PORT" "container:$SWIFT_CONTAINER_PORT" "account:$SWIFT_ACCOUNT_PORT"; do
        name=${t%%:*}
        port=${t#*:}
        quiet "$venv/bin/swift-ring-builder" "$S/etc/$name.builder" create 8 1 1
        quiet "$venv/bin/swift-ring-builder" "$S/etc/$name.builder" add "r1z1-127.0.0.1:$port/d1" 100
        quiet "$venv/bin/swift-ring-builder" "$S/etc/$name.builder" rebalance
    done
    local user_opt=()
    [ "$(id -u)" = 0 ] && user_opt=(-u root)
    start_bg "$S/log/memcached.log" "$S/run/memcached.pid" \
        memcached "${user_opt[@]}" -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64
    local p watch=()
    for p in object container account proxy; do
        start_bg "$S/log/$p.log" "$S/run/$p.pid" "$venv/bin/swift-$p-server" "$S/etc/$p-server.conf" -v
    done
    for p in "${SWIFT_PROCESSES[@]}"; do
        watch+=("$S/run/${p%%:*}.pid" "${p#*:}")
    done
    wait_ready "swift" "$S/log/proxy.log" swift_check "${watch[@]}"
    log "ready in $(since_ms "$t0"): auth http://127.0.0.1:$SWIFT_PORT/auth/v1.0 (glance:glance / glancepass)"
    trap - EXIT
}

swift_down() {
    local S=$STATE/swift i p
    for ((i = ${#SWIFT_PROCESSES[@]} - 1; i >= 0; i--)); do
        p=${SWIFT_PROCESSES[$i]}
        stop_pid "$S/run/${p%%:*}.pid" "${p#*:}" 10
    done
    [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$S"
    log "stopped"
}
