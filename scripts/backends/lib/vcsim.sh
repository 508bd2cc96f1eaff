# shellcheck shell=bash
# VMware vCenter simulator (govmomi's simulator package from Debian's golang-github-vmware-govmomi-dev, which does not
# ship the vcsim command): vcsim/main.go built with Debian's Go in GOPATH mode, offline, into $CACHE/vcsim.
# Serves https://127.0.0.1:$VCSIM_PORT/sdk (self-signed), login glance / glancepass, datacenter DC0, datastore
# LocalDS_0 (a directory under $STATE/vcsim). Layout: $STATE/vcsim/{pid,server.log,govcsim-DC0-LocalDS_0-*/}.

vcsim_packages() { printf '%s\n' golang-go golang-github-vmware-govmomi-dev; }

vcsim_install() {
    local B=$CACHE/vcsim src=$BACKENDS_DIR/vcsim/main.go
    if [ -x "$B/vcsimlite" ] && cmp -s "$src" "$B/src/vcsimlite/main.go"; then
        log "vcsimlite present in $B (built from the same main.go)"
        return
    fi
    log "building vcsimlite into $B (Go GOPATH mode, offline; about 1.5 min the first time)"
    mkdir -p "$B/src/vcsimlite"
    cp "$src" "$B/src/vcsimlite/main.go"
    GOPATH=$B:/usr/share/gocode GO111MODULE=off GOCACHE=$B/cache GOFLAGS='' GOPROXY=off \
        go build -o "$B/vcsimlite.tmp" vcsimlite
    mv "$B/vcsimlite.tmp" "$B/vcsimlite"
}

vcsim_env() {
    export_line GLANCE_TEST_VCSIM_HOST "127.0.0.1:$VCSIM_PORT"
    export_line GLANCE_TEST_VCSIM_USER glance
    export_line GLANCE_TEST_VCSIM_PASSWORD glancepass
}

vcsim_check() {
    local body='<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:vim25"><soapenv:Body><urn:Login><urn:_this type="SessionManager">SessionManager</urn:_this><urn:userName>glance</urn:userName><urn:password>glancepass</urn:password></urn:Login></soapenv:Body></soapenv:Envelope>'
    if ! curl -skf --max-time 5 -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: "urn:vim25/6.5"' \
        --data-binary "$body" "https://127.0.0.1:$VCSIM_PORT/sdk" | grep -q '<userName>glance</userName>'; then
        warn "SOAP Login as glance failed on https://127.0.0.1:$VCSIM_PORT/sdk"
        return 1
    fi
}

vcsim_up() {
    local S=$STATE/vcsim t0 bin=$CACHE/vcsim/vcsimlite
    t0=$(now_ms)
    if [ -d "$S" ] && alive "$S/pid" vcsimlite; then
        reuse_running vcsim "$S/server.log"
        return
    fi
    if [ -e "$S" ]; then
        log "stale state in $S (server not running): removing it"
        rm -rf "$S"
    fi
    [ -x "$bin" ] || { warn "$bin is missing: run scripts/backends/install"; return 1; }
    require_free_ports "$VCSIM_PORT"
    guard_start vcsim
    mkdir -p "$S"
    # The datastore directory is created under TMPDIR.
    start_bg "$S/server.log" "$S/pid" env TMPDIR="$S" "$bin" -l "127.0.0.1:$VCSIM_PORT" -u glance:glancepass
    wait_ready "vcsim" "$S/server.log" vcsim_check "$S/pid" vcsimlite
    log "ready in $(since_ms "$t0") on https://127.0.0.1:$VCSIM_PORT/sdk"
    trap - EXIT
}

vcsim_down() {
    local S=$STATE/vcsim
    stop_pid "$S/pid" vcsimlite 10
    [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$S"
    log "stopped"
}
