# shellcheck shell=bash
# s3s-fs 0.14.1 (crates.io, "experimental"): an S3 server storing objects as plain files, on
# 127.0.0.1:$S3S_PORT with access key glance / secret glancesecret. (0.17 needs a newer rustc than the project's.)
# Binary: $CACHE/s3s-fs/bin/s3s-fs. Layout: $STATE/s3s-fs/{pid,server.log,data/}.

S3S_FS_VERSION=0.14.1

s3s_fs_packages() { :; }

s3s_fs_bin() { echo "$CACHE/s3s-fs/bin/s3s-fs"; }

s3s_fs_install() {
    local root=$CACHE/s3s-fs
    if [ -x "$root/bin/s3s-fs" ] && grep -qF "\"s3s-fs $S3S_FS_VERSION " "$root/.crates.toml" 2>/dev/null; then
        log "s3s-fs $S3S_FS_VERSION present in $root"
        return
    fi
    command -v cargo >/dev/null || { warn "cargo is missing (the machine's Rust toolchain)"; return 1; }
    log "cargo install s3s-fs@$S3S_FS_VERSION into $root (about 2.5 min on 2 cores)"
    # From the cache dir, so that no project .cargo/config applies to this build.
    (cd "$CACHE" && cargo install --locked --quiet --root "$root" "s3s-fs@$S3S_FS_VERSION" --features binary)
}

s3s_fs_env() {
    export_line GLANCE_TEST_S3S_URL "http://127.0.0.1:$S3S_PORT"
    export_line GLANCE_TEST_S3_ACCESS_KEY glance
    export_line GLANCE_TEST_S3_SECRET_KEY glancesecret
}

s3s_fs_check() {
    if ! s3_list_buckets "http://127.0.0.1:$S3S_PORT" glance glancesecret; then
        warn "s3s-fs ListBuckets as glance failed on 127.0.0.1:$S3S_PORT"
        return 1
    fi
}

s3s_fs_up() {
    local S=$STATE/s3s-fs t0 bin
    t0=$(now_ms)
    if [ -d "$S" ] && alive "$S/pid" s3s-fs; then
        reuse_running s3s-fs "$S/server.log"
        return
    fi
    if [ -e "$S" ]; then
        log "stale state in $S (server not running): removing it"
        rm -rf "$S"
    fi
    bin=$(s3s_fs_bin)
    [ -x "$bin" ] || { warn "$bin is missing: run scripts/backends/install"; return 1; }
    require_free_ports "$S3S_PORT"
    guard_start s3s-fs
    mkdir -p "$S/data"
    start_bg "$S/server.log" "$S/pid" "$bin" --host 127.0.0.1 --port "$S3S_PORT" \
        --access-key glance --secret-key glancesecret "$S/data"
    wait_ready "s3s-fs" "$S/server.log" s3s_fs_check "$S/pid" s3s-fs
    log "ready in $(since_ms "$t0") on http://127.0.0.1:$S3S_PORT"
    trap - EXIT
}

s3s_fs_down() {
    local S=$STATE/s3s-fs
    stop_pid "$S/pid" s3s-fs 10
    [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$S"
    log "stopped"
}
