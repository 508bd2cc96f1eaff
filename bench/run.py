#!/usr/bin/env python3
"""Hand-run benchmarks of glance-rs (not part of CI). See bench/README.md.

  python3 bench/run.py data [--size 1GiB]          upload/download vs sha512sum/cat, peak RSS, CPU per GiB
  python3 bench/run.py list [--counts 1000,100000] list/show req/s and p50/p99 at several image counts
  python3 bench/run.py auth                         the cost of token validation (built-in identity, Keystone)
  python3 bench/run.py cli [--size 1GiB]            our `glance` CLI vs python-glanceclient: upload and download
  python3 bench/run.py registry [--counts 10000,1000000]
                                                    list/show, embedded vs remote registry, SQLite vs PostgreSQL
  python3 bench/run.py all                          data and list

Uses the release binaries target/release/glance-api and target/release/glance-bench (built unless --no-build),
curl for the data transfers, and only loopback addresses.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["data", "list", "auth", "cli", "registry", "all"])
    ap.add_argument("--size", type=parse_size, default=parse_size("1GiB"), help="data file size (default 1GiB)")
    ap.add_argument("--counts", default="1000,100000", help="image counts for list/show (default 1000,100000)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per list/show measurement")
    ap.add_argument("--concurrency", type=int, default=8, help="connections for list/show (default 8)")
    ap.add_argument("--seed-concurrency", type=int, default=16)
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where the data file and server state go (default: a temp dir under target/)")
    ap.add_argument("--keep-file", action="store_true", help="keep the data file for the next run")
    ap.add_argument("--no-build", action="store_true", help="use the release binaries as they are")
    a = ap.parse_args()
    for tool in ("curl", "sha512sum", "cat"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required")
    api, tool = build(a.no_build)
    base = a.workdir or target_dir() / "bench-work"
    base.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=base)) if not a.keep_file else base
    reports = []
    try:
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
