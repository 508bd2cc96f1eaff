# shellcheck shell=bash source-path=SCRIPTDIR
# Shared settings and helpers for scripts/backends/{install,up,down,check}. Sourced, not run.
# Every backend has a file lib/<name>.sh defining, with <fn> its name with '-' replaced by '_':
#   <fn>_packages  the Debian packages it needs (one per line)   <fn>_install  (optional) the rest of its install
#   <fn>_up        start it, or reuse it when it already runs     <fn>_down     stop it and remove its state
#   <fn>_check     one quick request per server, silent, status   <fn>_env      its export lines for the tests

BACKENDS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ALL_BACKENDS=(ceph s3s-fs swift secantusdb vcsim)

STATE=${GLANCE_BACKENDS_STATE:-/tmp/glance-backends}
CACHE=${GLANCE_BACKENDS_CACHE:-$HOME/.cache/glance-rs}
# Seconds to wait for one server to answer before giving up (Ceph needs ~25 s on busy cores).
TIMEOUT=${GLANCE_BACKENDS_TIMEOUT:-120}

# Ports, all on 127.0.0.1.
CEPH_MON_PORT=${CEPH_MON_PORT:-3300}         # msgr v2
CEPH_MON_V1_PORT=${CEPH_MON_V1_PORT:-6789}   # msgr v1
RGW_PORT=${RGW_PORT:-7480}
S3S_PORT=${S3S_PORT:-8014}
SWIFT_PORT=${SWIFT_PORT:-8080}
SWIFT_OBJECT_PORT=${SWIFT_OBJECT_PORT:-6210}
SWIFT_CONTAINER_PORT=${SWIFT_CONTAINER_PORT:-6211}
SWIFT_ACCOUNT_PORT=${SWIFT_ACCOUNT_PORT:-6212}
MEMCACHED_PORT=${MEMCACHED_PORT:-11311}
MONGO_PORT=${MONGO_PORT:-27018}
VCSIM_PORT=${VCSIM_PORT:-8989}

# shellcheck source=ceph.sh
. "$BACKENDS_DIR/lib/ceph.sh"
# shellcheck source=s3s-fs.sh
. "$BACKENDS_DIR/lib/s3s-fs.sh"
# shellcheck source=swift.sh
. "$BACKENDS_DIR/lib/swift.sh"
# shellcheck source=secantusdb.sh
. "$BACKENDS_DIR/lib/secantusdb.sh"
# shellcheck source=vcsim.sh
. "$BACKENDS_DIR/lib/vcsim.sh"

log() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }

# Milliseconds since the epoch.
now_ms() {
    local us=${EPOCHREALTIME//[!0-9]/}
    echo $((us / 1000))
}

# since_ms START: seconds elapsed since START (from now_ms), as "12.34s".
since_ms() {
    local d=$(($(now_ms) - $1))
    printf '%d.%02ds' $((d / 1000)) $((d % 1000 / 10))
}

# Validates backend names (all of them when none is given) into the array BACKENDS.
select_backends() {
    BACKENDS=()
    if [ "$#" = 0 ]; then
        BACKENDS=("${ALL_BACKENDS[@]}")
        return
    fi
    local n k known
    for n in "$@"; do
        known=0
        for k in "${ALL_BACKENDS[@]}"; do [ "$n" = "$k" ] && known=1; done
        if [ "$known" = 0 ]; then
            warn "unknown backend '$n' (known: ${ALL_BACKENDS[*]})"
            return 2
        fi
        BACKENDS+=("$n")
    done
}

# backend_fn NAME: the function prefix of a backend.
backend_fn() { echo "${1//-/_}"; }

# run_parallel FUNC NAME...: runs `FUNC NAME` for each backend at the same time, each line of output prefixed with
# [name], and puts the names that failed into FAILED. Call it as a plain command (not under if, ||, &&), otherwise
# bash disables errexit inside the backends' functions.
run_parallel() {
    local func=$1 n i
    shift
    local names=("$@") pids=()
    for n in "${names[@]}"; do
        ( "$func" "$n" 2>&1 | sed -u "s/^/[$n] /" ) &
        pids+=($!)
    done
    FAILED=()
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || FAILED+=("${names[$i]}")
    done
}

# pid_of PIDFILE PATTERN: prints the pid recorded in PIDFILE when that process is alive (not a zombie) and its
# command line contains PATTERN; fails otherwise. Guards against killing an unrelated process that reused the pid.
pid_of() {
    local f=$1 pattern=$2 p cmd
    [ -f "$f" ] || return 1
    read -r p < "$f" || return 1
    [[ $p =~ ^[0-9]+$ ]] || return 1
    cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline") || return 1
    [[ $cmd == *"$pattern"* ]] || return 1
    echo "$p"
}

# alive PIDFILE PATTERN: pid_of without output.
alive() { pid_of "$1" "$2" >/dev/null; }

# start_bg LOG PIDFILE CMD...: starts CMD detached (own session, stdin from /dev/null, output appended to LOG, no
# other inherited descriptor, so that it holds neither the state lock nor a caller's pipe) and records its pid.
start_bg() {
    local logfile=$1 pidfile=$2
    shift 2
    (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
        done
        exec setsid "$@" </dev/null >>"$logfile" 2>&1
    ) &
    echo $! > "$pidfile"
}

# quiet CMD...: runs CMD, showing its output only when it fails.
quiet() {
    local out
    if ! out=$("$@" 2>&1); then
        warn "failed: $*"
        warn "$out"
        return 1
    fi
}

# lock_state: serialises up and down on one state dir (flock on the directory itself, fd 9).
lock_state() {
    mkdir -p "$STATE"
    exec 9<"$STATE"
    if ! flock -n 9; then
        log "waiting for another scripts/backends up/down on $STATE"
        flock 9
    fi
}

# stop_pid PIDFILE PATTERN [WAIT_SECONDS]: SIGTERM to the recorded process, wait for it to exit, SIGKILL if it has
# not after WAIT_SECONDS (default 10); removes PIDFILE. Nothing is sent when the pid is not the expected process.
stop_pid() {
    local f=$1 pattern=$2 wait=${3:-10} p i
    if p=$(pid_of "$f" "$pattern"); then
        kill -TERM "$p" 2>/dev/null || true
        for ((i = 0; i < wait * 10; i++)); do
            alive "$f" "$pattern" || break
            sleep 0.1
        done
        if alive "$f" "$pattern"; then
            warn "pid $p ($pattern) still running after ${wait}s: SIGKILL"
            kill -KILL "$p" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                alive "$f" "$pattern" || break
                sleep 0.1
            done
        fi
    fi
    rm -f "$f"
}

# reuse_running NAME LOGFILE: waits until the already running NAME answers; when it does not, leaves it alone.
reuse_running() {
    local t0
    t0=$(now_ms)
    if ! wait_ready "$1" "$2" "$(backend_fn "$1")_check"; then
        warn "$1 runs from $STATE/$1 but does not answer: left alone (scripts/backends/down $1 resets it)"
        return 1
    fi
    log "reused: already running from $STATE/$1 (checked in $(since_ms "$t0"))"
}

# guard_start NAME: from here until `trap - EXIT`, a failure of the calling (sub)shell stops the processes NAME
# has started, keeping its state dir and logs for inspection (the next up removes them).
guard_start() {
    # shellcheck disable=SC2064 # expand NAME now
    trap "abort_start $1" EXIT
}

abort_start() {
    local rc=$?
    [ "$rc" = 0 ] && return
    warn "$1 did not start: stopping what was started (logs kept in $STATE/$1)"
    KEEP_DATA=1 "$(backend_fn "$1")_down" >/dev/null
}

# port_in_use PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# require_free_ports PORT...: fails, naming the listener, when one of the ports is taken.
require_free_ports() {
    local p busy=()
    for p in "$@"; do
        if port_in_use "$p"; then
            busy+=("$p")
            warn "port 127.0.0.1:$p is in use: $(ss -Hltnp "sport = :$p" 2>/dev/null | awk '{print $NF}' | head -1)"
        fi
    done
    if [ "${#busy[@]}" != 0 ]; then
        warn "a server not started from $STATE holds them: stop it, or choose other ports (scripts/backends/README.md)"
        return 1
    fi
}

# wait_ready WHAT LOGFILE CHECK_FN [PIDFILE PATTERN]...: polls CHECK_FN until it succeeds. Fails after TIMEOUT
# seconds, or as soon as one of the given processes has exited, printing the end of LOGFILE.
wait_ready() {
    local what=$1 logfile=$2 check=$3 deadline
    shift 3
    deadline=$(($(now_ms) + TIMEOUT * 1000))
    while ! "$check" >/dev/null 2>&1; do
        local args=("$@")
        while [ "${#args[@]}" -ge 2 ]; do
            if ! alive "${args[0]}" "${args[1]}"; then
                warn "$what: ${args[1]} exited; end of $logfile:"
                tail -n 40 "$logfile" >&2 2>/dev/null || true
                return 1
            fi
            args=("${args[@]:2}")
        done
        if [ "$(now_ms)" -ge "$deadline" ]; then
            warn "$what did not answer within ${TIMEOUT}s; end of $logfile:"
            tail -n 40 "$logfile" >&2 2>/dev/null || true
            return 1
        fi
        sleep 0.2
    done
}

# write_env: (re)writes $STATE/env from the fragments the backends left in their state dirs; removes it when none.
write_env() {
    local n files=()
    for n in "${ALL_BACKENDS[@]}"; do
        [ -f "$STATE/$n/test.env" ] && files+=("$STATE/$n/test.env")
    done
    if [ "${#files[@]}" = 0 ]; then
        rm -f "$STATE/env"
        return
    fi
    {
        echo "# Written by scripts/backends/up: endpoints of the storage servers for the glance-rs tests."
        cat "${files[@]}" | awk '!seen[$0]++'
    } > "$STATE/env.tmp"
    mv "$STATE/env.tmp" "$STATE/env"
}

# export_line NAME VALUE: one shell-quoted export line.
export_line() { printf 'export %s=%q\n' "$1" "$2"; }

# s3_list_buckets ENDPOINT ACCESS SECRET: one SigV4-signed ListBuckets request (the empty body's sha256 is sent as
# x-amz-content-sha256, which curl then signs).
s3_list_buckets() {
    curl -sf -o /dev/null --max-time 5 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$2:$3" \
        -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' "$1/"
}

# ensure_venv DIR REQUIREMENTS: a virtualenv at DIR with exactly the pinned (name==version) REQUIREMENTS. Reused when
# its stamp (the sha256 of REQUIREMENTS) matches, or when it was made elsewhere but already holds those versions;
# otherwise created and/or pip-installed in place, then stamped.
ensure_venv() {
    local dir=$1 req=$2 stamp=$1/.requirements.sha256 want
    want=$(sha256sum "$req" | cut -d' ' -f1)
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c '' 2>/dev/null; then
        if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
            log "$dir present ($(paste -sd' ' "$req"))"
            return
        fi
        if "$dir/bin/python" - "$req" <<'PY'
import sys, importlib.metadata as md
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, version = line.split("==")
        try:
            if md.version(name) != version:
                sys.exit(1)
        except md.PackageNotFoundError:
            sys.exit(1)
PY
        then
            echo "$want" > "$stamp"
            log "$dir already holds the pinned versions: stamped"
            return
        fi
    else
        rm -rf "$dir"
        log "creating $dir"
        python3 -m venv "$dir"
    fi
    log "pip install -r $req into $dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
}
