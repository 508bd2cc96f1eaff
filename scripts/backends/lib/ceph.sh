# shellcheck shell=bash
# Ceph 16.2 (Debian bookworm) on 127.0.0.1, no systemd, nothing written outside $STATE/ceph:
# mon a, mgr x, osd.0 (BlueStore on a 20 GiB sparse file), pool `images` initialised for RBD and the least-privilege
# client.glance; RADOS Gateway client.rgw.a (S3) on top with the user glance / glancesecret.
# Clients use CEPH_CONF=$STATE/ceph/ceph.conf (keyrings are named per section inside it).
# Layout (shared with the workplace reference scripts, so that their running cluster is reused):
#   ceph.conf keyring mon.keyring ceph.client.glance.keyring monmap  mon.a/ mgr.x/ osd.0/ rgw.a/ log/ run/ crash/
#   run/{mon.a,mgr.x,osd.0,rgw.a}.fgpid: pids of the daemons (run in the foreground with -f)

# daemon:command pairs, in start order.
CEPH_DAEMONS=(mon.a:ceph-mon mgr.x:ceph-mgr osd.0:ceph-osd rgw.a:radosgw)

ceph_packages() {
    printf '%s\n' ceph-mon ceph-osd ceph-mgr ceph-common radosgw librbd-dev librados-dev
}

ceph_env() {
    export_line GLANCE_TEST_CEPH_CONF "$STATE/ceph/ceph.conf"
    export_line GLANCE_TEST_RBD_USER glance
    export_line GLANCE_TEST_RBD_POOL images
    export_line GLANCE_TEST_S3_RGW_URL "http://127.0.0.1:$RGW_PORT"
    export_line GLANCE_TEST_S3_ACCESS_KEY glance
    export_line GLANCE_TEST_S3_SECRET_KEY glancesecret
}

# ceph_alive_count: how many of the four daemons recorded in run/ are running.
ceph_alive_count() {
    local d count=0
    for d in "${CEPH_DAEMONS[@]}"; do
        alive "$STATE/ceph/run/${d%%:*}.fgpid" "${d#*:}" && count=$((count + 1))
    done
    echo "$count"
}

ceph_check() {
    local conf=$STATE/ceph/ceph.conf
    if [ ! -f "$conf" ]; then
        warn "no $conf"
        return 1
    fi
    # mon + osd: list the RBD pool as the least-privilege client.
    if ! timeout 20 rbd -c "$conf" --id glance --client-mount-timeout 5 --rados-osd-op-timeout 5 -p images ls \
        >/dev/null; then
        warn "rbd ls (client.glance, pool images) failed"
        return 1
    fi
    # rgw: a signed ListBuckets as the S3 user.
    if ! s3_list_buckets "http://127.0.0.1:$RGW_PORT" glance glancesecret; then
        warn "RGW ListBuckets as glance failed on 127.0.0.1:$RGW_PORT"
        return 1
    fi
}

ceph_mon_answers() { ceph --connect-timeout 2 -s >/dev/null 2>&1; }
ceph_osd_up() { ceph --connect-timeout 2 osd dump 2>/dev/null | grep -q '^osd\.0 up'; }
ceph_rgw_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"; }

ceph_write_conf() {
    local D=$1 fsid=$2
    cat > "$D/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$CEPH_MON_PORT,v1:127.0.0.1:$CEPH_MON_V1_PORT]
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
run dir = $D/run
crash dir = $D/crash
log file = $D/log/\$name.log
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
rbd default features = 61
[client]
keyring = $D/keyring
[client.glance]
keyring = $D/ceph.client.glance.keyring
[mon]
mon data = $D/mon.\$id
mon cluster log file = $D/log/cluster.log
[mgr]
mgr data = $D/mgr.\$id
keyring = $D/mgr.\$id/keyring
mgr initial modules = iostat rbd_support
[osd]
osd data = $D/osd.\$id
keyring = $D/osd.\$id/keyring
osd objectstore = bluestore
osd memory target = 1073741824
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mkfs = false
bluestore block db create = false
bluestore block wal create = false
osd crush update on start = true
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw.a
rgw dns name = 127.0.0.1
log file = $D/log/rgw.a.log
# Reclaim deleted objects within a minute (default: after 2 hours), or test and bench runs fill the OSD.
rgw gc obj min wait = 60
rgw gc processor period = 60
EOF
}

ceph_up() {
    local D=$STATE/ceph t0 alive_now
    t0=$(now_ms)
    export CEPH_CONF=$D/ceph.conf
    alive_now=$(ceph_alive_count)
    if [ -f "$D/ceph.conf" ] && [ "$alive_now" = "${#CEPH_DAEMONS[@]}" ]; then
        reuse_running ceph "$D/log/mon.a.log"
        return
    fi
    if [ -e "$D" ]; then
        log "stale state in $D ($alive_now of ${#CEPH_DAEMONS[@]} daemons running): removing it, starting afresh"
        ceph_down >/dev/null
        rm -rf "$D"
    fi
    command -v ceph-mon >/dev/null || { warn "ceph-mon is missing: run scripts/backends/install"; return 1; }
    require_free_ports "$CEPH_MON_PORT" "$CEPH_MON_V1_PORT" "$RGW_PORT"

    guard_start ceph
    mkdir -p "$D"/{run,log,mon.a,mgr.x,osd.0,rgw.a,crash}
    local fsid
    fsid=$(cat /proc/sys/kernel/random/uuid)
    ceph_write_conf "$D" "$fsid"
    quiet ceph-authtool --create-keyring "$D/mon.keyring" --gen-key -n mon. --cap mon 'allow *'
    quiet ceph-authtool --create-keyring "$D/keyring" --gen-key -n client.admin \
        --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *'
    quiet ceph-authtool "$D/mon.keyring" --import-keyring "$D/keyring"
    quiet monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$CEPH_MON_PORT,v1:127.0.0.1:$CEPH_MON_V1_PORT]" \
        "$D/monmap"
    quiet ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$D/monmap" --keyring "$D/mon.keyring"
    start_bg "$D/log/mon.a.out" "$D/run/mon.a.fgpid" ceph-mon -f -c "$CEPH_CONF" -i a
    wait_ready "ceph mon" "$D/log/mon.a.log" ceph_mon_answers "$D/run/mon.a.fgpid" ceph-mon
    log "$(since_ms "$t0") mon.a up on 127.0.0.1:$CEPH_MON_PORT,$CEPH_MON_V1_PORT"

    ceph auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' > "$D/mgr.x/keyring"
    start_bg "$D/log/mgr.x.out" "$D/run/mgr.x.fgpid" ceph-mgr -f -c "$CEPH_CONF" -i x

    local osd_uuid osd_secret osd_id
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    osd_secret=$(ceph-authtool --gen-print-key)
    printf '{"cephx_secret": "%s"}\n' "$osd_secret" > "$D/osd.0/secret.json"
    osd_id=$(ceph osd new "$osd_uuid" -i "$D/osd.0/secret.json")
    if [ "$osd_id" != 0 ]; then
        warn "ceph osd new returned id '$osd_id', expected 0"
        return 1
    fi
    quiet ceph-authtool --create-keyring "$D/osd.0/keyring" --name osd.0 --add-key "$osd_secret"
    if ! ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" > "$D/log/osd.0.mkfs.out" 2>&1; then
        warn "ceph-osd --mkfs failed:"
        tail -n 40 "$D/log/osd.0.mkfs.out" "$D/log/osd.0.log" >&2 || true
        return 1
    fi
    log "$(since_ms "$t0") osd.0 mkfs done (BlueStore on $D/osd.0/block, sparse)"
    start_bg "$D/log/osd.0.out" "$D/run/osd.0.fgpid" ceph-osd -f -c "$CEPH_CONF" -i 0
    wait_ready "ceph osd.0" "$D/log/osd.0.log" ceph_osd_up "$D/run/osd.0.fgpid" ceph-osd
    log "$(since_ms "$t0") osd.0 up"

    # The gateway creates its pools while the images pool is being initialised.
    ceph auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' > "$D/rgw.a/keyring"
    start_bg "$D/log/rgw.a.out" "$D/run/rgw.a.fgpid" radosgw -f -c "$CEPH_CONF" -n client.rgw.a \
        --keyring "$D/rgw.a/keyring" --rgw-frontends "beast endpoint=127.0.0.1:$RGW_PORT" \
        --rgw-data "$D/rgw.a" --log-file "$D/log/rgw.a.log"

    quiet ceph osd pool create images 32 32
    quiet ceph osd pool application enable images rbd
    quiet rbd pool init images
    ceph auth get-or-create client.glance mon 'profile rbd' osd 'profile rbd pool=images' \
        mgr 'profile rbd pool=images' > "$D/ceph.client.glance.keyring"
    log "$(since_ms "$t0") pool images initialised for RBD, client.glance created"

    wait_ready "ceph rgw" "$D/log/rgw.a.log" ceph_rgw_answers "$D/run/rgw.a.fgpid" radosgw
    radosgw-admin user info --uid=glance >/dev/null 2>&1 ||
        quiet radosgw-admin user create --uid=glance --display-name=glance --access-key=glance \
            --secret-key=glancesecret
    log "$(since_ms "$t0") rgw up on http://127.0.0.1:$RGW_PORT, S3 user glance"

    wait_ready "ceph" "$D/log/rgw.a.log" ceph_check
    log "ready in $(since_ms "$t0"): CEPH_CONF=$CEPH_CONF"
    trap - EXIT
}

ceph_down() {
    local D=$STATE/ceph i d
    for ((i = ${#CEPH_DAEMONS[@]} - 1; i >= 0; i--)); do
        d=${CEPH_DAEMONS[$i]}
        stop_pid "$D/run/${d%%:*}.fgpid" "${d#*:}" 30
    done
    [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$D"
    log "stopped"
}
