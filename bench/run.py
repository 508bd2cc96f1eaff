#!/usr/bin/env python3
"""Hand-run benchmarks of glance-rs (not part of CI). See bench/README.md.

  python3 bench/run.py data [--size 1GiB]          upload/download vs sha512sum/cat, peak RSS, CPU per GiB
  python3 bench/run.py list [--counts 1000,100000] list/show req/s and p50/p99 at several image counts
  python3 bench/run.py auth                         the cost of token validation (built-in identity, Keystone)
  python3 bench/run.py cli [--size 1GiB]            our `glance` CLI vs python-glanceclient: upload and download
  python3 bench/run.py registry [--counts 10000,1000000]
                                                    list/show, embedded vs remote registry, SQLite vs PostgreSQL
  python3 bench/run.py stores [--size 1GiB] [--stores rgw,s3s,swift,rbd,gridfs,vmware]
                                                    each store backend's upload/download vs the server's own
                                                    client tool (aws, swift, rbd, pymongo, curl), glance-api RSS
  python3 bench/run.py all                          data and list

Uses the release binaries target/release/glance-api and target/release/glance-bench (built unless --no-build),
curl for the data transfers, and only loopback addresses.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
TICK = os.sysconf("SC_CLK_TCK")


def parse_size(s: str) -> int:
    m = re.fullmatch(r"(?i)\s*(\d+(?:\.\d+)?)\s*(b|k|kib|m|mib|g|gib|t|tib)?\s*", s)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r} (e.g. 1GiB, 512MiB, 5G)")
    mult = {"b": 1, "k": 1024, "kib": 1024, "m": MiB, "mib": MiB, "g": 1024 * MiB, "gib": 1024 * MiB,
            "t": 1024 ** 4, "tib": 1024 ** 4}[(m.group(2) or "b").lower()]
    return int(float(m.group(1)) * mult)


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def target_dir() -> Path:
    t = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return t if t.is_absolute() else REPO / t


def build(no_build: bool) -> tuple[Path, Path]:
    if not no_build:
        log("cargo build --release --bin glance-api --bin glance-bench --bin glance --bin glance-registry")
        subprocess.run(["cargo", "build", "--release", "--bin", "glance-api", "--bin", "glance-bench", "--bin",
                        "glance", "--bin", "glance-registry"], cwd=REPO, check=True)
    api = Path(os.environ.get("GLANCE_API_BIN", target_dir() / "release" / "glance-api"))
    tool = target_dir() / "release" / "glance-bench"
    for p in (api, tool):
        if not p.is_file():
            sys.exit(f"missing {p}: build it with `cargo build --release --bin glance-api --bin glance-bench`")
    return api, tool


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def proc_status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class Server:
    def __init__(self, binary: Path, workdir: Path, extra_env: dict | None = None, auth: str = "noauth"):
        self.state = Path(tempfile.mkdtemp(prefix="state-", dir=workdir))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        # No-auth mode unless told: data and list measure the image and metadata paths, not token validation.
        env.update({"OS_DEFAULT__BIND_HOST": "127.0.0.1", "OS_DEFAULT__BIND_PORT": str(self.port),
                    "OS_DEFAULT__STATE_PATH": str(self.state), "OS_DEFAULT__AUTH_STRATEGY": auth})
        env.update(extra_env or {})
        self.logpath = self.state.parent / f"glance-api-{self.port}.log"
        self.logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen([str(binary)], env=env, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            if self.proc.poll() is not None:
                sys.exit(f"glance-api exited with {self.proc.returncode}; log:\n{self.logpath.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthcheck", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            sys.exit("glance-api did not become healthy in 60 s")
        self.startup_s = time.monotonic() - t0
        self.pid = self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        shutil.rmtree(self.state, ignore_errors=True)

    def post_json(self, path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"} | ({"X-Auth-Token": token} if token else {})
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers=headers)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def get_json(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return json.loads(r.read())


def timed(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    cp = subprocess.run(cmd, capture_output=True, **kw)
    return time.perf_counter() - t0, cp


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    fmt = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line, fmt(header), line] + [fmt(r) for r in rows] + [line])


# ------------------------------------------------------------------------------------------------ data


def bench_data(api: Path, size: int, workdir: Path, keep_file: bool) -> str:
    f = workdir / f"bench-{size}.bin"
    if not f.exists() or f.stat().st_size != size:
        log(f"writing {size / MiB:.0f} MiB of random data to {f}")
        with open(f, "wb") as out, open("/dev/urandom", "rb") as rnd:
            left = size
            while left:
                chunk = rnd.read(min(left, 16 * MiB))
                out.write(chunk)
                left -= len(chunk)
    mib = size / MiB
    subprocess.run(["cat", str(f)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    t_sha, cp = timed(["sha512sum", str(f)], check=True, text=True)
    sha = cp.stdout.split()[0]
    t_cat, _ = timed(["sh", "-c", f"cat '{f}' > /dev/null"], check=True)

    srv = Server(api, workdir, {"OS_DEFAULT__IMAGE_SIZE_CAP": str(size + 1)})
    try:
        img = srv.post_json("/v2/images", {"name": "bench-data", "disk_format": "raw",
                                           "container_format": "bare"})
        iid = img["id"]
        rss_idle = proc_status_kib(srv.pid, "VmRSS")
        peak_rss = [rss_idle]
        stop = threading.Event()

        def sampler():
            while not stop.is_set():
                try:
                    peak_rss[0] = max(peak_rss[0], proc_status_kib(srv.pid, "VmRSS"))
                except OSError:
                    return
                time.sleep(0.02)

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        cpu0 = proc_cpu_seconds(srv.pid)
        t_up, cp = timed(["curl", "-sS", "-H", "Expect:", "-T", str(f), "-H", "Content-Type: application/octet-stream",
                          "-X", "PUT", "-o", "/dev/null", "-w", "%{http_code}", f"{srv.url}/v2/images/{iid}/file"],
                         text=True)
        cpu_up = proc_cpu_seconds(srv.pid) - cpu0
        stop.set()
        th.join()
        hwm = proc_status_kib(srv.pid, "VmHWM")
        if cp.returncode != 0 or cp.stdout.strip() != "204":
            sys.exit(f"upload failed: curl exit {cp.returncode}, HTTP {cp.stdout.strip()} {cp.stderr}\n"
                     f"server log {srv.logpath}")
        shown = srv.get_json(f"/v2/images/{iid}")
        hash_ok = shown.get("os_hash_value") == sha and shown.get("size") == size
        cpu0 = proc_cpu_seconds(srv.pid)
        t_down, cp = timed(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                            f"{srv.url}/v2/images/{iid}/file"], text=True)
        cpu_down = proc_cpu_seconds(srv.pid) - cpu0
        code, got = (cp.stdout.split() + ["?", "0"])[:2]
        if cp.returncode != 0 or code != "200" or int(got) != size:
            sys.exit(f"download failed: curl exit {cp.returncode}, HTTP {code}, {got} bytes {cp.stderr}")
    finally:
        srv.stop()
        if not keep_file:
            f.unlink(missing_ok=True)

    gib = size / (1024 * MiB)
    rows = [
        ["sha512sum", f"{mib / t_sha:,.0f}", "", ""],
        ["cat (warm cache)", f"{mib / t_cat:,.0f}", "", ""],
        ["upload (curl -T, PUT /file)", f"{mib / t_up:,.0f}", f"{(mib / t_up) / (mib / t_sha):.2f} x sha512sum",
         f"{cpu_up / gib:.2f}"],
        ["download (curl GET /file)", f"{mib / t_down:,.0f}", f"{(mib / t_down) / (mib / t_cat):.2f} x cat",
         f"{cpu_down / gib:.2f}"],
    ]
    out = [f"Data path, {size / MiB:,.0f} MiB file, one run (server: {api})",
           table(rows, ["what", "MiB/s", "ratio", "server CPU-s/GiB"]),
           f"server RSS: idle {rss_idle / 1024:.1f} MiB, peak sampled during upload {peak_rss[0] / 1024:.1f} MiB, "
           f"VmHWM after upload {hwm / 1024:.1f} MiB",
           f"stored sha512/size match the file: {'yes' if hash_ok else 'NO'}",
           f"server start until healthy: {srv.startup_s:.2f} s"]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------ list/show


def run_tool(tool: Path, args: list[str]) -> dict:
    cp = subprocess.run([str(tool)] + args, capture_output=True, text=True)
    if cp.returncode != 0:
        sys.exit(f"glance-bench {' '.join(args)} failed ({cp.returncode}):\n{cp.stderr}\n{cp.stdout}")
    if cp.stderr.strip():
        log(cp.stderr.strip())
    return json.loads(cp.stdout.strip().splitlines()[-1])


def bench_list(api: Path, tool: Path, counts: list[int], workdir: Path, duration: float, conc: int,
               seed_conc: int) -> str:
    srv = Server(api, workdir)
    ids_file = workdir / f"ids-{srv.port}.txt"
    rows = []
    results = {}
    try:
        have = 0
        for count in sorted(counts):
            if count > have:
                log(f"seeding {count - have} images (to {count}) with {seed_conc} concurrent POSTs")
                r = run_tool(tool, ["seed", "--url", srv.url, "--count", str(count - have), "--concurrency",
                                    str(seed_conc), "--name-prefix", f"bench{count}", "--ids-out", str(ids_file)])
                log(f"  created {r['created']} in {r['seconds']:.1f} s ({r['per_second']:.0f}/s)")
                rows.append([f"POST /v2/images (seed to {count:,})", f"{r['per_second']:,.0f}", "", "", ""])
                have = count
            ids = ids_file.read_text().split()
            show_paths = workdir / f"show-{srv.port}.txt"
            step = max(1, len(ids) // 500)
            show_paths.write_text("\n".join(f"/v2/images/{i}" for i in ids[::step]) + "\n")
            for label, args in (("list", ["--path", "/v2/images?limit=25"]),
                                ("show", ["--paths-file", str(show_paths)])):
                cpu0 = proc_cpu_seconds(srv.pid)
                r = run_tool(tool, ["load", "--url", srv.url, "--concurrency", str(conc), "--duration",
                                    str(duration), "--label", label] + args)
                cpu = proc_cpu_seconds(srv.pid) - cpu0
                if r["errors"]:
                    log(f"  {label}@{count}: {r['errors']} errors, first: {r['first_error']}")
                if srv.proc.poll() is not None:
                    sys.exit(f"glance-api exited ({srv.proc.returncode}) during {label}@{count}; "
                             f"log tail:\n{srv.logpath.read_text(errors='replace')[-3000:]}")
                for k in ("p50_ms", "p99_ms"):
                    r[k] = float("nan") if r[k] is None else r[k]
                cpu_ms = 1000 * cpu / max(1, r["requests"] + r["errors"])
                results[(label, count)] = r
                what = "GET /v2/images?limit=25" if label == "list" else "GET /v2/images/{id}"
                rows.append([f"{what} @ {count:,}", f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
                             f"{cpu_ms:.2f}"])
                log(f"  {label}@{count}: {r['rps']:.0f} req/s p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms")
        peak = proc_status_kib(srv.pid, "VmHWM")
    finally:
        srv.stop()
        ids_file.unlink(missing_ok=True)
    out = [f"Metadata path: {conc} connections, {duration:.0f} s per row (server: {api})",
           table(rows, ["request", "req/s", "p50 ms", "p99 ms", "server CPU-ms/req"])]
    lo, hi = min(counts), max(counts)
    if lo != hi and ("list", lo) in results and ("list", hi) in results:
        a, b = results[("list", lo)], results[("list", hi)]
        out.append(f"page@{hi:,} / page@{lo:,}: req/s ratio {b['rps'] / max(a['rps'], 1e-9):.2f}, "
                   f"p50 ratio {b['p50_ms'] / max(a['p50_ms'], 1e-9):.2f}, "
                   f"p99 ratio {b['p99_ms'] / max(a['p99_ms'], 1e-9):.2f}")
    out.append(f"server VmHWM at the end: {peak / 1024:.1f} MiB")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------ cli


def random_file(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    log(f"writing {size / MiB:.0f} MiB of random data to {path}")
    with open(path, "wb") as out, open("/dev/urandom", "rb") as rnd:
        left = size
        while left:
            chunk = rnd.read(min(left, 16 * MiB))
            out.write(chunk)
            left -= len(chunk)


def timed_rss(cmd: list[str], env: dict) -> tuple[float, int, str, str, int]:
    """Runs `cmd`; returns seconds, exit code, stdout, stderr and the process's peak RSS in KiB."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, proc.returncode, out, err, usage.ru_maxrss


def bench_cli(api: Path, size: int, workdir: Path, keep_file: bool) -> str:
    """The same upload (`image-create --file`) and download (`image-download --file`) through our `glance`
    and python-glanceclient's (from .venv), one after the other against one no-auth server."""
    upstream = REPO / ".venv" / "bin" / "glance"
    if not upstream.exists():
        sys.exit(f"{upstream} missing: run scripts/test once (it creates .venv with python-glanceclient)")
    ours = target_dir() / "release" / "glance"
    f = workdir / f"bench-{size}.bin"
    random_file(f, size)
    subprocess.run(["cat", str(f)], stdout=subprocess.DEVNULL, check=True)
    mib = size / MiB
    srv = Server(api, workdir, {"OS_DEFAULT__IMAGE_SIZE_CAP": str(size + 1)})
    rows, secs = [], {}
    home = Path(tempfile.mkdtemp(prefix="home-", dir=workdir))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")} | {"HOME": str(home)}
    try:
        for label, binary in (("python-glanceclient", upstream), ("glance-rs glance", ours)):
            base = [str(binary), "--os-image-url", srv.url, "--os-auth-token", "x"]
            t_up, rc, stdout, stderr, rss_up = timed_rss(
                base + ["image-create", "--name", "bench-cli", "--disk-format", "raw", "--container-format",
                        "bare", "--file", str(f)], env)
            if rc != 0:
                sys.exit(f"{label} image-create failed: {stderr}")
            iid = re.search(r"\|\s*id\s*\|\s*([0-9a-f-]{36})", stdout).group(1)
            out = workdir / "bench-cli.out"
            t_down, rc, _, stderr, rss_down = timed_rss(base + ["image-download", "--file", str(out), iid], env)
            if rc != 0 or out.stat().st_size != size:
                sys.exit(f"{label} image-download failed: {stderr}")
            out.unlink()
            secs[label] = (t_up, t_down)
            rows.append([label, f"{mib / t_up:,.0f}", f"{mib / t_down:,.0f}",
                         f"{rss_up / 1024:.0f} / {rss_down / 1024:.0f}"])
            log(f"  {label}: upload {mib / t_up:.0f} MiB/s, download {mib / t_down:.0f} MiB/s")
    finally:
        srv.stop()
        shutil.rmtree(home, ignore_errors=True)
        if not keep_file:
            f.unlink(missing_ok=True)
    (pu, pd), (ou, od) = secs["python-glanceclient"], secs["glance-rs glance"]
    return "\n".join([
        f"CLI data path, {mib:,.0f} MiB file, one run each (server: {api}, no auth)",
        table(rows, ["client", "upload MiB/s (image-create --file)", "download MiB/s (image-download --file)",
                     "client peak RSS MiB (up / down)"]),
        f"ours / python-glanceclient throughput: upload {pu / ou:.2f}x, download {pd / od:.2f}x",
    ])


# ------------------------------------------------------------------------------------------------ registry

PG_URL = os.environ.get("GLANCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REGISTRY_SECRET = "bench-registry-secret"


class RegistryDaemon:
    """The glance-registry binary on a free port over the database `connection`."""

    def __init__(self, binary: Path, workdir: Path, connection: str):
        self.state = Path(tempfile.mkdtemp(prefix="registry-", dir=workdir))
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update({"OS_DEFAULT__BIND_HOST": "127.0.0.1", "OS_DEFAULT__BIND_PORT": str(self.port),
                    "OS_DEFAULT__STATE_PATH": str(self.state), "OS_DATABASE__CONNECTION": connection,
                    "OS_REGISTRY__SHARED_SECRET": REGISTRY_SECRET})
        self.logf = open(workdir / f"glance-registry-{self.port}.log", "wb")
        self.proc = subprocess.Popen([str(binary)], env=env, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            if self.proc.poll() is not None:
                sys.exit(f"glance-registry exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthcheck", timeout=2):
                    break
            except OSError:
                time.sleep(0.05)
        self.pid = self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.logf.close()
        shutil.rmtree(self.state, ignore_errors=True)


def measure(tool: Path, srv: "Server", ids: list[str], workdir: Path, duration: float, conc: int,
            extra_pids: tuple = ()) -> dict:
    """list (first page) and show rows: req/s, p50, p99, CPU-ms per request of the server processes."""
    show_paths = workdir / f"show-{srv.port}.txt"
    step = max(1, len(ids) // 500)
    show_paths.write_text("\n".join(f"/v2/images/{i}" for i in ids[::step]) + "\n")
    out = {}
    for label, args in (("list", ["--path", "/v2/images?limit=25"]), ("show", ["--paths-file", str(show_paths)])):
        pids = (srv.pid,) + extra_pids
        cpu0 = sum(proc_cpu_seconds(p) for p in pids)
        r = run_tool(tool, ["load", "--url", srv.url, "--concurrency", str(conc), "--duration", str(duration),
                            "--label", label] + args)
        cpu = sum(proc_cpu_seconds(p) for p in pids) - cpu0
        if r["errors"]:
            log(f"  {label}: {r['errors']} errors, first: {r['first_error']}")
        r["cpu_ms"] = 1000 * cpu / max(1, r["requests"] + r["errors"])
        out[label] = r
    return out


def bench_registry(api: Path, tool: Path, counts: list[int], workdir: Path, duration: float, conc: int) -> str:
    """GET /v2/images?limit=25 and GET /v2/images/{id} with the registry embedded and remote, on SQLite and
    PostgreSQL, at each image count (seeded straight into the database with glance-bench seed-registry)."""
    registry_bin = api.parent / "glance-registry"
    if not registry_bin.is_file():
        sys.exit(f"missing {registry_bin}")
    backends = [("SQLite", None)]
    if shutil.which("psql") and subprocess.run(["psql", PG_URL, "-qc", "select 1"], capture_output=True).returncode == 0:
        backends.append(("PostgreSQL", PG_URL))
    else:
        log("PostgreSQL not reachable: SQLite only")
    rows, results = [], {}
    for backend, pg in backends:
        schema = f"bench_{os.getpid()}"
        if pg:
            subprocess.run(["psql", pg, "-qc", f"create schema {schema}"], check=True, capture_output=True)
            connection = f"{pg}?schema={schema}"
        else:
            dbdir = Path(tempfile.mkdtemp(prefix="db-", dir=workdir))
            connection = f"sqlite:///{dbdir / 'glance.sqlite'}"
        ids_file = workdir / f"ids-{backend}.txt"
        have = 0
        try:
            for count in sorted(counts):
                log(f"{backend}: seeding {count - have} images (to {count}) straight into the database")
                r = run_tool(tool, ["seed-registry", "--connection", connection, "--count", str(count - have),
                                    "--concurrency", "1" if not pg else "16", "--name-prefix", f"b{count}",
                                    "--ids-out", str(ids_file)])
                log(f"  {r['created']} in {r['seconds']:.0f} s ({r['per_second']:.0f}/s)")
                have = count
                ids = ids_file.read_text().split()
                for layout in ("embedded", "remote"):
                    env = {"OS_DATABASE__CONNECTION": connection}
                    daemon = None
                    if layout == "remote":
                        daemon = RegistryDaemon(registry_bin, workdir, connection)
                        env = {"OS_DEFAULT__DATA_API": "glance.db.registry.api",
                               "OS_DEFAULT__REGISTRY_HOST": "127.0.0.1",
                               "OS_DEFAULT__REGISTRY_PORT": str(daemon.port),
                               "OS_REGISTRY__SHARED_SECRET": REGISTRY_SECRET}
                    srv = Server(api, workdir, extra_env=env)
                    try:
                        m = measure(tool, srv, ids, workdir, duration, conc,
                                    (daemon.pid,) if daemon else ())
                    finally:
                        srv.stop()
                        if daemon:
                            daemon.stop()
                    for label in ("list", "show"):
                        r = m[label]
                        results[(backend, layout, label, count)] = r
                        rows.append([backend, layout, f"{'GET /v2/images?limit=25' if label == 'list' else 'GET /v2/images/{id}'}",
                                     f"{count:,}", f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
                                     f"{r['cpu_ms']:.2f}"])
                        log(f"  {backend} {layout} {label}@{count}: {r['rps']:.0f} req/s p50 {r['p50_ms']:.2f} ms "
                            f"p99 {r['p99_ms']:.2f} ms")
        finally:
            if pg:
                subprocess.run(["psql", pg, "-qc", f"drop schema {schema} cascade"], capture_output=True)
            ids_file.unlink(missing_ok=True)
    out = [f"Registry layouts: {conc} connections, {duration:.0f} s per row (CPU-ms counts glance-api + glance-registry)",
           table(rows, ["database", "registry", "request", "images", "req/s", "p50 ms", "p99 ms", "CPU-ms/req"])]
    lo, hi = min(counts), max(counts)
    for backend, _ in backends:
        for layout in ("embedded", "remote"):
            a, b = results.get((backend, layout, "list", lo)), results.get((backend, layout, "list", hi))
            if a and b and lo != hi:
                out.append(f"{backend} {layout}: list page@{hi:,} / page@{lo:,} p50 {b['p50_ms'] / a['p50_ms']:.2f}, "
                           f"req/s {b['rps'] / a['rps']:.2f}")
        for count in counts:
            e, r = results.get((backend, "embedded", "show", count)), results.get((backend, "remote", "show", count))
            if e and r:
                out.append(f"{backend} show@{count:,}: remote / embedded p50 {r['p50_ms'] / e['p50_ms']:.2f}, "
                           f"p99 {r['p99_ms'] / e['p99_ms']:.2f}")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------ auth

KEYSTONE_PASSWORD = "bench-admin-secret"


def password_token(auth_url: str, user: str, password: str, project: str) -> str:
    """A project-scoped token from `POST {auth_url}/auth/tokens` (Keystone v3 password method)."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
    req = urllib.request.Request(auth_url + "/auth/tokens", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers["X-Subject-Token"]


def bench_auth(api: Path, tool: Path, workdir: Path, duration: float, conc: int) -> str:
    """`GET /v2/images/{id}` on three servers in one run: no auth (the yardstick), the built-in identity and a
    real Keystone (warm token cache). The difference in latency and server CPU per request is what validating
    the token adds."""
    ks_dir = workdir / "keystone"
    ks_port = free_port()
    log(f"starting Keystone (scripts/keystone-server) on 127.0.0.1:{ks_port}")
    cp = subprocess.run([str(REPO / "scripts" / "keystone-server"), str(ks_dir), str(ks_port), KEYSTONE_PASSWORD],
                        capture_output=True, text=True)
    if cp.returncode != 0:
        sys.exit(f"scripts/keystone-server failed ({cp.returncode}):\n{cp.stderr}")
    ks_pid = int(cp.stdout.split()[-1])
    ks_url = f"http://127.0.0.1:{ks_port}/v3"
    modes = {
        "noauth": ("noauth", {}),
        "built-in identity": ("builtin", {}),
        "Keystone (warm cache)": ("noauth", {
            "OS_PASTE_DEPLOY__FLAVOR": "keystone",
            "OS_KEYSTONE_AUTHTOKEN__WWW_AUTHENTICATE_URI": ks_url,
            "OS_KEYSTONE_AUTHTOKEN__AUTH_URL": ks_url,
            "OS_KEYSTONE_AUTHTOKEN__AUTH_TYPE": "password",
            "OS_KEYSTONE_AUTHTOKEN__USERNAME": "admin",
            "OS_KEYSTONE_AUTHTOKEN__PASSWORD": KEYSTONE_PASSWORD,
            "OS_KEYSTONE_AUTHTOKEN__PROJECT_NAME": "admin",
            "OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_NAME": "Default",
            "OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_NAME": "Default",
        }),
    }
    rows, base = [], {}
    try:
        for label, (strategy, env) in modes.items():
            srv = Server(api, workdir, extra_env=env, auth=strategy)
            try:
                if label.startswith("built-in"):
                    openrc = (srv.state / "admin-openrc").read_text()
                    pw = re.search(r"OS_PASSWORD='?([^'\n]+)'?", openrc).group(1)
                    token = password_token(srv.url + "/identity/v3", "admin", pw, "admin")
                elif label.startswith("Keystone"):
                    token = password_token(ks_url, "admin", KEYSTONE_PASSWORD, "admin")
                else:
                    token = None
                header = ["--header", f"X-Auth-Token: {token}"] if token else []
                image = srv.post_json("/v2/images", {"name": "bench-auth", "disk_format": "raw",
                                                     "container_format": "bare"}, token)
                path = ["--path", f"/v2/images/{image['id']}"]
                for c in (1, conc):
                    cpu0 = proc_cpu_seconds(srv.pid)
                    r = run_tool(tool, ["load", "--url", srv.url, "--concurrency", str(c), "--duration",
                                        str(duration), "--label", label] + path + header)
                    cpu = proc_cpu_seconds(srv.pid) - cpu0
                    if r["errors"]:
                        sys.exit(f"{label}: {r['errors']} errors, first: {r['first_error']}")
                    cpu_ms = 1000 * cpu / max(1, r["requests"])
                    if label == "noauth":
                        base[c] = (r["p50_ms"], cpu_ms)
                    p50_0, cpu_0 = base[c]
                    rows.append([label, str(c), f"{r['rps']:,.0f}", f"{r['p50_ms']:.3f}", f"{r['p99_ms']:.3f}",
                                 f"{cpu_ms:.3f}", f"{r['p50_ms'] - p50_0:+.3f}", f"{cpu_ms - cpu_0:+.3f}"])
                    log(f"  {label} x{c}: {r['rps']:.0f} req/s p50 {r['p50_ms']:.3f} ms")
            finally:
                srv.stop()
    finally:
        try:
            os.killpg(ks_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        shutil.rmtree(ks_dir, ignore_errors=True)
    return "\n".join([
        f"Token validation: GET /v2/images/{{id}}, {duration:.0f} s per row (server: {api})",
        table(rows, ["auth", "connections", "req/s", "p50 ms", "p99 ms", "server CPU-ms/req",
                     "p50 added ms", "CPU-ms added"]),
    ])


# ------------------------------------------------------------------------------------------------ stores

# --stores name -> (backend id in enabled_backends, glance driver, scripts/backends server)
STORES = {
    "file": ("fast", "file", None),
    "rgw": ("rgw", "s3", "ceph"),
    "s3s": ("s3s", "s3", "s3s-fs"),
    "swift": ("swift", "swift", "swift"),
    "rbd": ("ceph", "rbd", "ceph"),
    "gridfs": ("mongo", "gridfs", "secantusdb"),
    "vmware": ("vsphere", "vmware", "vcsim"),
}
# The storage server processes whose CPU is counted per store (pid files under the backends' state dir; their
# children are counted too).
STORE_PIDFILES = {
    "rgw": ["ceph/run/rgw.a.fgpid", "ceph/run/osd.0.fgpid", "ceph/run/mon.a.fgpid", "ceph/run/mgr.x.fgpid"],
    "rbd": ["ceph/run/osd.0.fgpid", "ceph/run/mon.a.fgpid", "ceph/run/mgr.x.fgpid"],
    "s3s": ["s3s-fs/pid"],
    "swift": ["swift/run/proxy.pid", "swift/run/object.pid", "swift/run/container.pid", "swift/run/account.pid",
              "swift/run/memcached.pid"],
    "gridfs": ["secantusdb/pid"],
    "vmware": ["vcsim/pid"],
}
SWIFT_SEGMENT_MIB = 100  # swift_store_large_object_chunk_size, and the swift CLI's --segment-size
RBD_OBJECT_SIZE = "8M"  # glance's rbd_store_chunk_size default (8 MiB); `rbd import --object-size` matches it
VMWARE_DC, VMWARE_DS, VMWARE_DC_MOREF = "DC0", "LocalDS_0", "datacenter-2"  # vcsim's inventory
GRIDFS_TOOL = r'''
import sys, gridfs, pymongo
uri, db, op = sys.argv[1:4]
client = pymongo.MongoClient(uri)
bucket = gridfs.GridFSBucket(client[db])
if op == "up":
    with open(sys.argv[4], "rb") as f:
        bucket.upload_from_stream("bench-native", f)
elif op == "down":
    with open("/dev/null", "wb") as out:
        bucket.download_to_stream_by_name("bench-native", out)
elif op == "drop":
    client.drop_database(db)
'''


class StartError(Exception):
    """glance-api did not come up; `log` is its output."""

    def __init__(self, msg: str, log_text: str):
        super().__init__(msg)
        self.log = log_text


class ConfigServer(Server):
    """Like Server, but configured by one `--config-file` (multi-store needs a section per backend)."""

    def __init__(self, binary: Path, workdir: Path, sections: dict[str, dict[str, str]]):
        self.state = Path(tempfile.mkdtemp(prefix="state-", dir=workdir))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        sections["DEFAULT"] = {"bind_host": "127.0.0.1", "bind_port": str(self.port),
                               "state_path": str(self.state), "auth_strategy": "noauth"} | sections.get("DEFAULT", {})
        self.conf = self.state / "glance-api.conf"
        self.conf.write_text("".join(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in opts.items()) + "\n"
                                     for name, opts in sections.items()))
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        self.logpath = self.state.parent / f"glance-api-{self.port}.log"
        self.logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen([str(binary), "--config-file", str(self.conf)], env=env, stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            if self.proc.poll() is not None:
                self.logf.close()
                text = self.logpath.read_text(errors="replace")
                shutil.rmtree(self.state, ignore_errors=True)
                raise StartError(f"glance-api exited with {self.proc.returncode}", text)
            try:
                with urllib.request.urlopen(self.url + "/healthcheck", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise StartError("glance-api did not become healthy in 120 s", self.logpath.read_text(errors="replace"))
        self.startup_s = time.monotonic() - t0
        self.pid = self.proc.pid

    def delete(self, path: str) -> int:
        req = urllib.request.Request(self.url + path, method="DELETE")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError as e:  # a store that hangs (e.g. a full Ceph cluster) must not end the run
            log(f"DELETE {path}: {e}")
            return -1


def backends_up(servers: list[str]) -> tuple[dict, Path]:
    """Runs scripts/backends/up for `servers` (reuses running ones) and returns the GLANCE_TEST_* variables."""
    state = Path(os.environ.get("GLANCE_BACKENDS_STATE", "/tmp/glance-backends"))
    log(f"scripts/backends/up {' '.join(servers)}")
    cp = subprocess.run([str(REPO / "scripts" / "backends" / "up")] + servers, capture_output=True, text=True)
    if cp.returncode != 0:
        sys.exit(f"scripts/backends/up failed ({cp.returncode}):\n{cp.stdout}\n{cp.stderr}")
    env = {}
    for line in (state / "env").read_text().splitlines():
        m = re.fullmatch(r"\s*(?:export\s+)?(GLANCE_TEST_\w+)=(.*)", line)
        if m:
            env[m.group(1)] = (shlex.split(m.group(2)) or [""])[0]
    return env, state


def ceph_headroom(conf: str) -> int | None:
    """Bytes the Ceph cluster can still take before its nearfull ratio (None when `ceph df` does not answer)."""
    try:
        df = subprocess.run(["ceph", "-c", conf, "df", "-f", "json"], capture_output=True, text=True, timeout=30)
        osd = subprocess.run(["ceph", "-c", conf, "osd", "dump", "-f", "json"], capture_output=True, text=True,
                             timeout=30)
        stats, ratio = json.loads(df.stdout)["stats"], json.loads(osd.stdout)["nearfull_ratio"]
    except (OSError, subprocess.TimeoutExpired, ValueError, KeyError):
        return None
    return int(stats["total_bytes"] * ratio) - stats["total_used_raw_bytes"]


def rgw_gc(conf: str) -> str | None:
    """Frees what the deleted RGW objects held now rather than after RGW's 2 h garbage-collection delay (the
    test cluster is a 10 GiB OSD: a few runs' deleted objects would fill it). Returns an error or None."""
    try:
        cp = subprocess.run(["radosgw-admin", "-c", conf, "gc", "process", "--include-all"], capture_output=True,
                            text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    return None if cp.returncode == 0 else cp.stderr.strip()[-300:]


def tree_pids(roots: list[int]) -> list[int]:
    """`roots` and all their descendants (from /proc/*/stat)."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, todo = set(), [p for p in roots if p in parent]
    while todo:
        p = todo.pop()
        if p not in found:
            found.add(p)
            todo.extend(c for c, pp in parent.items() if pp == p)
    return sorted(found)


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for p in pids:
        try:
            total += proc_cpu_seconds(p)
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_tool_timed(cmd: list[str], env: dict | None, timeout: float,
                   capture: bool = False) -> tuple[float, int, str, str, float]:
    """Runs `cmd` with stdout to /dev/null (or, with `capture`, to a temp file: for curl's -w); returns seconds,
    exit code, stdout head, stderr tail and the tool's CPU seconds."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out if capture else subprocess.DEVNULL, stderr=err)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        secs = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        head = out.read(2000).decode(errors="replace")
        tail = err.read()[-2000:].decode(errors="replace")
    return secs, proc.returncode, head, tail, usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat: user+nice+system+irq+softirq+steal)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / TICK


def wait_idle(max_wait: float) -> float:
    """Waits (at most `max_wait` s) until the machine has been nearly idle for a second (other jobs share the
    cores); returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < max_wait:
        b0 = machine_busy_seconds()
        time.sleep(1.0)
        if machine_busy_seconds() - b0 < 0.25:
            break
    return time.monotonic() - t0


def transfer(cmd: list[str], env: dict | None, timeout: float, glance_pid: int, server_pids: list[int],
             capture: bool = False, idle_wait: float = 0.0) -> dict:
    """One timed transfer with the CPU it cost: the client tool, glance-api, the storage server, and what else
    ran on the machine meanwhile (`others`: other jobs sharing the cores). First waits up to `idle_wait` s for
    the machine to be idle."""
    if idle_wait > 0:
        waited = wait_idle(idle_wait)
        if waited >= 3:
            log(f"  waited {waited:.0f} s for the machine to be idle")
    me0, busy0 = sum(os.times()[:2]), machine_busy_seconds()
    g0, s0 = cpu_of([glance_pid]), cpu_of(server_pids)
    secs, rc, out, err, tool = run_tool_timed(cmd, env, timeout, capture)
    g, sv = cpu_of([glance_pid]) - g0, cpu_of(server_pids) - s0
    me, busy = sum(os.times()[:2]) - me0, machine_busy_seconds() - busy0
    return {"secs": secs, "rc": rc, "out": out, "err": err, "tool": tool, "glance": g, "server": sv,
            "others": max(0.0, busy - tool - g - sv - me)}


class Native:
    """The server's own client tool for one store: setup, upload, download, clean-up commands."""

    def __init__(self, name: str, t: dict, f: Path, tag: str, workdir: Path):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "AWS_"))}
        self.setup: list[list[str]] = []
        self.cleanup: list[list[str]] = []  # the native objects
        self.glance_cleanup: list[list[str]] = []  # the containers/buckets/db/dir glance created, once empty
        self.startup: list[str] = []  # the tool doing nothing: its start-up cost, for reading the times
        self.resetup: list[list[str]] = []  # after clean-up, before a second upload (what clean-up removed)
        obj = f"bench-native-{tag}"
        if name == "file":
            copy = workdir / obj
            self.tool = "cp / cat"
            self.up = ["cp", str(f), str(copy)]
            self.down = ["cat", str(copy)]
            self.cleanup = [["rm", "-f", str(copy)]]
        elif name in ("rgw", "s3s"):
            url = t["GLANCE_TEST_S3_RGW_URL" if name == "rgw" else "GLANCE_TEST_S3S_URL"]
            aws = ["aws", "--endpoint-url", url]
            self.env |= {"AWS_ACCESS_KEY_ID": t["GLANCE_TEST_S3_ACCESS_KEY"],
                         "AWS_SECRET_ACCESS_KEY": t["GLANCE_TEST_S3_SECRET_KEY"], "AWS_DEFAULT_REGION": "us-east-1",
                         "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
                         "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials")}
            self.tool = "aws s3 cp"
            self.setup = [aws + ["s3", "mb", f"s3://{obj}"]]
            self.resetup = self.setup
            self.up = aws + ["s3", "cp", "--only-show-errors", str(f), f"s3://{obj}/{obj}"]
            self.down = aws + ["s3", "cp", "--only-show-errors", f"s3://{obj}/{obj}", "-"]
            self.cleanup = [aws + ["s3", "rb", "--force", f"s3://{obj}"]]
            self.glance_cleanup = [aws + ["s3", "rb", "--force", f"s3://glance-bench-{tag}"]]
            self.startup = ["aws", "--version"]
        elif name == "swift":
            swift = [str(Path.home() / ".cache/glance-rs/venv-swift/bin/swift"), "-A", t["GLANCE_TEST_SWIFT_AUTH_URL"],
                     "-U", t["GLANCE_TEST_SWIFT_USER"], "-K", t["GLANCE_TEST_SWIFT_KEY"]]
            self.tool = "swift upload/download"
            self.up = swift + ["upload", "--use-slo", "--segment-size", str(SWIFT_SEGMENT_MIB * MiB),
                               "--object-name", obj, obj, str(f)]
            self.down = swift + ["download", obj, obj, "-o", "-"]
            self.cleanup = [swift + ["delete", obj], swift + ["delete", f"{obj}_segments"]]
            self.glance_cleanup = [swift + ["delete", f"glance-bench-{tag}"]]
            self.startup = swift[:1] + ["--version"]
        elif name == "rbd":
            rbd = ["rbd", "-c", t["GLANCE_TEST_CEPH_CONF"], "--id", t.get("GLANCE_TEST_RBD_USER", "glance")]
            pool = t.get("GLANCE_TEST_RBD_POOL", "images")
            self.tool = "rbd import/export"
            self.up = rbd + ["import", "--no-progress", "--object-size", RBD_OBJECT_SIZE, str(f), f"{pool}/{obj}"]
            self.down = rbd + ["export", "--no-progress", f"{pool}/{obj}", "-"]
            self.cleanup = [rbd + ["rm", "--no-progress", f"{pool}/{obj}"]]
            self.startup = rbd + ["--version"]
        elif name == "gridfs":
            py = str(Path.home() / ".cache/glance-rs/venv-mongo/bin/python")
            script = workdir / "gridfs_tool.py"
            script.write_text(GRIDFS_TOOL)
            uri, db = t["GLANCE_TEST_MONGODB_URI"], f"glance_bench_native_{tag}"
            self.tool = "pymongo GridFSBucket"
            self.up = [py, str(script), uri, db, "up", str(f)]
            self.down = [py, str(script), uri, db, "down"]
            self.cleanup = [[py, str(script), uri, db, "drop"]]
            self.glance_cleanup = [[py, str(script), uri, f"glance_bench_{tag}", "drop"]]
            self.startup = [py, "-c", "import gridfs, pymongo"]
        elif name == "vmware":
            ep = f"https://{t['GLANCE_TEST_VCSIM_HOST']}"
            jar = workdir / "vmware.cookies"
            soap = lambda body, f="f": [  # noqa: E731
                "curl", f"-sS{f}k", "-b", str(jar), "-c", str(jar), "-o", "/dev/null",
                "-H", "Content-Type: text/xml; charset=utf-8", "-H", 'SOAPAction: "urn:vim25/6.5"', "--data-binary",
                '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                f'xmlns:urn="urn:vim25"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>', f"{ep}/sdk"]
            delete = lambda path, f="f": soap(  # noqa: E731
                '<urn:DeleteDatastoreFile_Task><urn:_this type="FileManager">FileManager</urn:_this>'
                f"<urn:name>[{VMWARE_DS}] {path}</urn:name><urn:datacenter type=\"Datacenter\">{VMWARE_DC_MOREF}"
                "</urn:datacenter></urn:DeleteDatastoreFile_Task>", f)
            url = f"{ep}/folder/{obj}/{obj}?dcPath={VMWARE_DC}&dsName={VMWARE_DS}"
            self.tool = "curl PUT/GET /folder"
            login = lambda f="f": soap(  # noqa: E731
                '<urn:Login><urn:_this type="SessionManager">SessionManager</urn:_this>'
                f"<urn:userName>{t['GLANCE_TEST_VCSIM_USER']}</urn:userName>"
                f"<urn:password>{t['GLANCE_TEST_VCSIM_PASSWORD']}</urn:password></urn:Login>", f)
            self.setup = [login()]
            self.up = ["curl", "-sSfk", "-b", str(jar), "-H", "Expect:", "-T", str(f), "-o", "/dev/null", url]
            self.down = ["curl", "-sSfk", "-b", str(jar), "-o", "/dev/null", url]
            self.cleanup = [delete(obj)]
            # glance's driver may already have removed its (then empty) directory: a fault is fine here
            # (a second Login on a live session is a fault too)
            self.glance_cleanup = [login(""), delete(f"glance-bench-{tag}", "")]
        else:
            raise ValueError(name)

    def hashed_up(self, f: Path) -> list[str]:
        """The upload while `md5sum` and `sha512sum` hash the same file alongside: the native tool doing the work
        a glance upload must do (glance computes `checksum` and `os_hash_value` of every byte it stores)."""
        script = ('md5sum "$1" >/dev/null & m=$!; sha512sum "$1" >/dev/null & s=$!; shift; "$@"; rc=$?; '
                  'wait $m || rc=1; wait $s || rc=1; exit $rc')
        return ["bash", "-c", script, "hashed-up", str(f)] + self.up

    def run(self, cmds: list[list[str]]) -> list[str]:
        errors = []
        for c in cmds:
            try:
                cp = subprocess.run(c, env=self.env, capture_output=True, text=True, timeout=600)
            except subprocess.TimeoutExpired:
                errors.append(f"`{' '.join(c[:4])} ...` did not finish in 600 s")
                continue
            if cp.returncode != 0:
                errors.append(f"`{' '.join(c[:4])} ...` exit {cp.returncode}: {cp.stderr.strip()[-300:]}")
        return errors


def store_sections(names: list[str], t: dict, tag: str, size: int) -> dict[str, dict[str, str]]:
    """glance-api.conf: multi-store, `fast` (file) the default, one backend per benchmarked store."""
    ids = ["fast:file"] + [f"{STORES[n][0]}:{STORES[n][1]}" for n in names if n != "file"]
    sections = {"DEFAULT": {"enabled_backends": ", ".join(ids), "image_size_cap": str(size + 1)},
                "glance_store": {"default_backend": "fast"},
                "fast": {"store_description": "local files (reference)"}}
    for n in names:
        sid = STORES[n][0]
        if n in ("rgw", "s3s"):
            sections[sid] = {"s3_store_host": t["GLANCE_TEST_S3_RGW_URL" if n == "rgw" else "GLANCE_TEST_S3S_URL"],
                             "s3_store_access_key": t["GLANCE_TEST_S3_ACCESS_KEY"],
                             "s3_store_secret_key": t["GLANCE_TEST_S3_SECRET_KEY"],
                             "s3_store_bucket": f"glance-bench-{tag}", "s3_store_create_bucket_on_put": "true"}
        elif n == "swift":
            # 1 GiB becomes an SLO of 100 MiB segments here; production's default threshold is 5 GiB.
            sections[sid] = {"swift_store_auth_address": t["GLANCE_TEST_SWIFT_AUTH_URL"],
                             "swift_store_user": t["GLANCE_TEST_SWIFT_USER"],
                             "swift_store_key": t["GLANCE_TEST_SWIFT_KEY"], "swift_store_auth_version": "1",
                             "swift_store_container": f"glance-bench-{tag}",
                             "swift_store_create_container_on_put": "true",
                             "swift_store_large_object_size": "200",
                             "swift_store_large_object_chunk_size": str(SWIFT_SEGMENT_MIB)}
        elif n == "rbd":
            sections[sid] = {"rbd_store_ceph_conf": t["GLANCE_TEST_CEPH_CONF"], "rbd_store_user": "glance",
                             "rbd_store_pool": "images"}
        elif n == "gridfs":
            sections[sid] = {"mongodb_store_uri": t["GLANCE_TEST_MONGODB_URI"],
                             "mongodb_store_db": f"glance_bench_{tag}"}
        elif n == "vmware":
            sections[sid] = {"vmware_server_host": t["GLANCE_TEST_VCSIM_HOST"],
                             "vmware_server_username": t["GLANCE_TEST_VCSIM_USER"],
                             "vmware_server_password": t["GLANCE_TEST_VCSIM_PASSWORD"], "vmware_insecure": "true",
                             "vmware_datastores": f"{VMWARE_DC}:{VMWARE_DS}",
                             "vmware_store_image_dir": f"/glance-bench-{tag}"}
    return sections


def bench_stores(api: Path, size: int, workdir: Path, names: list[str], keep_file: bool, idle_wait: float) -> str:
    """Per store: glance upload (PUT /file with X-Image-Meta-Store) and download beside the server's own client
    tool moving the same file to and from the same server; ratios glance / native."""
    servers = sorted({STORES[n][2] for n in names if STORES[n][2]})
    t, bstate = backends_up(servers) if servers else ({}, Path("/tmp/glance-backends"))
    f = workdir / f"bench-{size}.bin"
    random_file(f, size)
    subprocess.run(["cat", str(f)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    t_sha, cp = timed(["sha512sum", str(f)], check=True, text=True)
    sha = cp.stdout.split()[0]
    mib = size / MiB
    timeout = 60 + size / (2 * MiB)  # nothing here is slower than 2 MiB/s unless it is stuck
    tag = os.urandom(4).hex()
    failed: dict[str, str] = {}  # store -> why it has no figures
    on_ceph = [n for n in names if n in ("rgw", "rbd")]
    if on_ceph:
        # glance's copy and the native one are on the cluster at the same time (one store at a time)
        room = ceph_headroom(t["GLANCE_TEST_CEPH_CONF"])
        if room is not None and room < 2 * size + 256 * MiB:
            for n in on_ceph:
                failed[n] = (f"skipped: the Ceph cluster has {room / MiB:,.0f} MiB left before nearfull, "
                             f"{(2 * size + 256 * MiB) / MiB:,.0f} MiB needed")
            log(f"{', '.join(on_ceph)}: {failed[on_ceph[0]]}")

    # Start glance-api with every store; a backend that stops it from starting is reported and left out.
    todo = [n for n in names if n not in failed]
    while True:
        try:
            srv = ConfigServer(api, workdir, store_sections(todo, t, tag, size))
            break
        except StartError as e:
            ids = {STORES[n][0]: n for n in todo}
            bad = [ids[i] for i in re.findall(r"\[([A-Za-z0-9_-]+)\]", e.log) if i in ids and ids[i] != "file"]
            if not bad:
                sys.exit(f"{e}; log:\n{e.log[-3000:]}")
            lines = [ln.strip() for ln in e.log.splitlines() if f"[{STORES[bad[0]][0]}]" in ln] or [str(e)]
            failed[bad[0]] = lines[-1][-400:]
            log(f"{bad[0]}: {failed[bad[0]]} -- retrying without it")
            todo.remove(bad[0])
    log(f"glance-api up in {srv.startup_s:.2f} s with backends {', '.join(STORES[n][0] for n in todo)}")

    rss = {"idle": proc_status_kib(srv.pid, "VmRSS"), "current": None}
    peaks: dict[str, int] = {}
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            try:
                kib = proc_status_kib(srv.pid, "VmRSS")
            except OSError:
                return
            key = rss["current"]
            if key:
                peaks[key] = max(peaks.get(key, 0), kib)
            time.sleep(0.02)

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    results: dict[str, dict] = {}
    notes: list[str] = []
    try:
        for n in todo:
            sid = STORES[n][0]
            nat = Native(n, t, f, tag, workdir)
            srv_pids = tree_pids([int((bstate / p).read_text().split()[0]) for p in STORE_PIDFILES.get(n, [])
                                  if (bstate / p).exists()])
            r: dict = {"tool": nat.tool}
            iid = None
            try:
                log(f"{n}: glance upload ({sid})")
                img = srv.post_json("/v2/images", {"name": f"bench-{n}", "disk_format": "raw",
                                                   "container_format": "bare"})
                iid = img["id"]
                rss["current"] = n
                r["g_up"] = x = transfer(["curl", "-sS", "-H", "Expect:", "-T", str(f), "-H",
                                          "Content-Type: application/octet-stream", "-H",
                                          f"X-Image-Meta-Store: {sid}", "-X", "PUT", "-o", "/dev/null", "-w",
                                          "%{http_code}", f"{srv.url}/v2/images/{iid}/file"],
                                         None, timeout, srv.pid, srv_pids, capture=True, idle_wait=idle_wait)
                if x["rc"] != 0 or x["out"].strip() != "204":
                    raise RuntimeError(f"glance upload: curl exit {x['rc']}, HTTP {x['out'].strip()} "
                                       f"{x['err'].strip()}")
                shown = srv.get_json(f"/v2/images/{iid}")
                r["hash_ok"] = shown.get("os_hash_value") == sha and shown.get("size") == size
                r["in_store"] = shown.get("stores") == sid
                if not (r["hash_ok"] and r["in_store"]):
                    notes.append(f"{n}: after upload size={shown.get('size')} stores={shown.get('stores')} "
                                 f"os_hash_value {'matches' if shown.get('os_hash_value') == sha else 'DIFFERS'}")
                log(f"{n}: glance download")
                r["g_down"] = x = transfer(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                            f"{srv.url}/v2/images/{iid}/file"],
                                           None, timeout, srv.pid, srv_pids, capture=True, idle_wait=idle_wait)
                rss["current"] = None
                code, got = (x["out"].split() + ["?", "0"])[:2]
                if x["rc"] != 0 or code != "200" or int(got) != size:
                    raise RuntimeError(f"glance download: curl exit {x['rc']}, HTTP {code}, {got} bytes "
                                       f"{x['err'].strip()}")
                log(f"{n}: native ({nat.tool})")
                errs = nat.run(nat.setup)
                if errs:
                    raise RuntimeError(f"native setup: {errs[0]}")
                for key, cmd in (("n_up", nat.up), ("n_down", nat.down)):
                    r[key] = x = transfer(cmd, nat.env, timeout, srv.pid, srv_pids, idle_wait=idle_wait)
                    if x["rc"] != 0:
                        raise RuntimeError(f"native {key[2:]}load: `{' '.join(cmd[:3])} ...` exit {x['rc']}: "
                                           f"{x['err'].strip()}")
                log(f"{n}: native upload again, with md5sum and sha512sum alongside")
                errs = nat.run(nat.cleanup) or nat.run(nat.resetup)
                if errs:
                    raise RuntimeError(f"native clean-up before the hashed upload: {errs[0]}")
                cmd = nat.hashed_up(f)
                r["n_up_hashed"] = x = transfer(cmd, nat.env, timeout, srv.pid, srv_pids, idle_wait=idle_wait)
                if x["rc"] != 0:
                    raise RuntimeError(f"native upload with hashes: exit {x['rc']}: {x['err'].strip()}")
                if nat.startup:
                    r["startup"] = min(run_tool_timed(nat.startup, nat.env, 60)[0] for _ in range(3))
            except (RuntimeError, OSError, subprocess.TimeoutExpired, KeyError, ValueError) as e:
                r["error"] = str(e)[-600:]
                log(f"{n}: FAILED: {r['error']}")
                if srv.proc.poll() is not None:
                    r["error"] += f" (glance-api exited {srv.proc.returncode})"
            finally:
                rss["current"] = None
                if iid and srv.proc.poll() is None:
                    code = srv.delete(f"/v2/images/{iid}")
                    if code != 204:
                        notes.append(f"{n}: DELETE /v2/images/{iid} answered {code}")
                for e in nat.run(nat.cleanup):
                    notes.append(f"{n}: native clean-up: {e}")
            results[n] = r
            if srv.proc.poll() is not None:
                log("glance-api exited; stopping")
                break
        hwm = proc_status_kib(srv.pid, "VmHWM") if srv.proc.poll() is None else 0
    finally:
        stop.set()
        th.join()
        srv.stop()
        for n in todo:
            nat = Native(n, t, f, tag, workdir)
            for e in nat.run(nat.glance_cleanup):
                notes.append(f"{n}: removing glance's container: {e}")
        if "rgw" in todo:
            err = rgw_gc(t["GLANCE_TEST_CEPH_CONF"])
            if err:
                notes.append(f"rgw: radosgw-admin gc process: {err}")
        if not keep_file:
            f.unlink(missing_ok=True)

    rate = lambda x: mib / x["secs"]  # noqa: E731
    rows, cpu_rows = [], []
    cores = os.cpu_count() or 1
    for n in names:
        r = results.get(n)
        if n in failed or r is None:
            skipped = failed.get(n, "").startswith("skipped")
            rows.append([n, "-", "-", "-", "-", "-", "-", "-", "-", "-",
                         "skipped (see note)" if skipped else
                         "glance-api refused the backend (see note)" if n in failed else "not run"])
            if n in failed:
                notes.insert(0, f"{n}: {failed[n]}" if skipped else
                             f"{n}: glance-api did not start with backend {STORES[n][0]}: {failed[n]}")
            continue
        if "n_up_hashed" not in r:
            g = lambda k: f"{rate(r[k]):,.0f}" if k in r else "-"  # noqa: E731
            rows.append([n, g("g_up"), g("n_up"), "-", g("n_up_hashed"), "-", g("g_down"), g("n_down"), "-",
                         f"{peaks.get(n, 0) / 1024:.0f}", "FAILED (see note)"])
            notes.insert(0, f"{n}: FAILED: {r.get('error', '')}")
            continue
        gu, gd, nu, nd, nh = (rate(r[k]) for k in ("g_up", "g_down", "n_up", "n_down", "n_up_hashed"))
        rows.append([n, f"{gu:,.0f}", f"{nu:,.0f}", f"{gu / nu:.2f}", f"{nh:,.0f}", f"{gu / nh:.2f}", f"{gd:,.0f}",
                     f"{nd:,.0f}", f"{gd / nd:.2f}",
                     f"{peaks.get(n, 0) / 1024:.0f}", r["tool"] + ("" if r["hash_ok"] else "; HASH/SIZE MISMATCH")])
        for d in ("up", "down"):
            g, nt = r[f"g_{d}"], r[f"n_{d}"]
            floor = (g["glance"] + g["server"] + g["tool"]) / cores
            if d == "up":  # one thread hashes every byte with sha512, however many cores there are
                floor = max(floor, t_sha)
            cpu_rows.append([n, d, f"{g['secs']:.2f}", f"{g['glance']:.2f}", f"{g['server']:.2f}", f"{g['tool']:.2f}",
                             f"{g['others']:.2f}", f"{floor:.2f}", f"{nt['secs'] / floor:.2f}" if floor else "-",
                             f"{nt['secs']:.2f}", f"{nt['tool']:.2f}", f"{nt['server']:.2f}", f"{nt['others']:.2f}",
                             f"{r.get('startup', 0):.2f}"])
    out = [f"Store backends, {mib:,.0f} MiB file, one run (server: {api}; glance = curl PUT/GET /v2/images/{{id}}/file "
           f"with X-Image-Meta-Store)",
           table(rows, ["store", "glance up MiB/s", "native up MiB/s", "ratio", "native+hashes up MiB/s", "ratio",
                        "glance down MiB/s", "native down MiB/s", "ratio", "glance-api peak RSS MiB",
                        "native tool"]),
           "(native+hashes: the native upload again while md5sum and sha512sum hash the same file alongside, the "
           "work every glance upload does; ratio = glance / it)",
           f"glance-api RSS: idle {rss['idle'] / 1024:.1f} MiB, VmHWM at the end {hwm / 1024:.1f} MiB "
           f"(peak RSS column: VmRSS sampled every 20 ms during that store's upload and download)",
           f"Where the time goes: seconds and CPU-seconds per transfer ({cores} cores; server = the storage "
           "server's processes, curl = glance's client, others = every other process on the machine meanwhile, "
           "i.e. other jobs; CPU floor = (glance-api + server + curl CPU) / cores, for uploads at least the "
           f"time of sha512sum FILE ({t_sha:.2f} s): the least time the glance transfer could take on these cores; "
           "ratio cap = native s / CPU floor, the best ratio this machine "
           "allows; tool start = the native tool doing nothing, included in its time)",
           table(cpu_rows, ["store", "dir", "glance s", "glance-api CPU", "server CPU", "curl CPU", "others CPU",
                            "CPU floor s", "ratio cap", "native s", "tool CPU", "server CPU", "others CPU",
                            "tool start s"])]
    out += [f"note: {x}" for x in notes]
    return "\n".join(out)


def build_stores(no_build: bool, workdir: Path) -> Path:
    """glance-api with every driver (`--features glance-api/rbd` links librbd), copied into `workdir` so that
    another build of target/release/glance-api during the run does not change the binary under test."""
    if not no_build:
        log("cargo build --release --features glance-api/rbd --bin glance-api")
        subprocess.run(["cargo", "build", "--release", "--features", "glance-api/rbd", "--bin", "glance-api"],
                       cwd=REPO, check=True)
    api = Path(os.environ.get("GLANCE_API_BIN", target_dir() / "release" / "glance-api"))
    if not api.is_file():
        sys.exit(f"missing {api}: build it with `cargo build --release --features glance-api/rbd --bin glance-api`")
    pinned = workdir / "glance-api-stores"
    shutil.copy2(api, pinned)
    return pinned


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["data", "list", "auth", "cli", "registry", "stores", "all"])
    ap.add_argument("--size", type=parse_size, default=parse_size("1GiB"), help="data file size (default 1GiB)")
    ap.add_argument("--counts", default="1000,100000", help="image counts for list/show (default 1000,100000)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per list/show measurement")
    ap.add_argument("--concurrency", type=int, default=8, help="connections for list/show (default 8)")
    ap.add_argument("--seed-concurrency", type=int, default=16)
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where the data file and server state go (default: a temp dir under target/)")
    ap.add_argument("--keep-file", action="store_true", help="keep the data file for the next run")
    ap.add_argument("--no-build", action="store_true", help="use the release binaries as they are")
    ap.add_argument("--stores", default="file,rgw,s3s,swift,rbd,gridfs,vmware",
                    help=f"stores for `stores` (default: all of {','.join(STORES)}; file is the reference)")
    ap.add_argument("--idle-wait", type=float, default=120.0,
                    help="stores: before each store, wait up to this many seconds for the machine to be idle "
                         "(0: do not wait)")
    a = ap.parse_args()
    for tool in ("curl", "sha512sum", "cat"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required")
    if a.what != "stores":
        api, tool = build(a.no_build)
    base = a.workdir or target_dir() / "bench-work"
    base.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=base)) if not a.keep_file else base
    reports = []
    try:
        if a.what == "stores":
            names = [n.strip() for n in a.stores.split(",") if n.strip()]
            unknown = [n for n in names if n not in STORES]
            if unknown:
                sys.exit(f"unknown store(s) {', '.join(unknown)} (known: {', '.join(STORES)})")
            api = build_stores(a.no_build, workdir)
            reports.append(bench_stores(api, a.size, workdir, names, a.keep_file, a.idle_wait))
            print(reports[-1], flush=True)
        if a.what in ("data", "all"):
            reports.append(bench_data(api, a.size, workdir, a.keep_file))
            print(reports[-1], flush=True)
        if a.what in ("list", "all"):
            counts = [int(c.replace("_", "")) for c in a.counts.split(",") if c.strip()]
            reports.append(bench_list(api, tool, counts, workdir, a.duration, a.concurrency, a.seed_concurrency))
            print(("\n" if a.what == "all" else "") + reports[-1], flush=True)
        if a.what == "registry":
            counts = [int(c.replace("_", "")) for c in a.counts.split(",") if c.strip()]
            if a.counts == "1000,100000":
                counts = [10_000, 1_000_000]
            reports.append(bench_registry(api, tool, counts, workdir, a.duration, a.concurrency))
            print(reports[-1], flush=True)
        if a.what == "cli":
            reports.append(bench_cli(api, a.size, workdir, a.keep_file))
            print(reports[-1], flush=True)
        if a.what == "auth":
            reports.append(bench_auth(api, tool, workdir, a.duration, a.concurrency))
            print(reports[-1], flush=True)
    finally:
        if not a.keep_file:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
