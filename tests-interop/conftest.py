"""Fixtures for the glance-rs interop suite.

A session-scoped fixture starts the real `glance-api` binary on a free loopback port with a
temporary state_path (SQLite + file store), waits for `GET /healthcheck`, and kills it at the end.
Its stderr goes to a file that is attached to every failing test's report.

Environment:
  GLANCE_API_BIN   path of the server binary (default: target/debug/glance-api, else target/release/glance-api)
  GLANCE_INTEROP_VENV_BIN  directory holding the `glance` and `openstack` executables
                   (default: the directory of the running Python, i.e. .venv/bin)
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import json
import os
import re
import pty
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = float(os.environ.get("GLANCE_INTEROP_START_TIMEOUT", "60"))
CLIENT_TIMEOUT = 120

_server_log: Path | None = None


def _find_binary() -> Path:
    env = os.environ.get("GLANCE_API_BIN")
    if env:
        return Path(env)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for profile in ("debug", "release"):
        p = target / profile / "glance-api"
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return target / "debug" / "glance-api"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict:
    """The environment without OS_* variables (they would steer the clients or the server)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OS_")}


class Server:
    def __init__(self, url: str, port: int, proc: subprocess.Popen, log: Path, state: Path):
        self.url = url
        self.port = port
        self.proc = proc
        self.log = log
        self.state = state

    def stderr_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


@contextlib.contextmanager
def running_server(tmp_path_factory, extra_conf: str, sections: str = "", port: int | None = None):
    """Starts glance-api with `extra_conf` added to its [DEFAULT] section and `sections` (further
    `[section]`s) after it, on `port` (default: a free one); yields a Server."""
    global _server_log
    binary = _find_binary()
    if not binary.is_file():
        pytest.fail(f"glance-api binary not found at {binary} (run `cargo build --bin glance-api`)", pytrace=False)
    base = tmp_path_factory.mktemp("glance-server")
    state = base / "state"
    state.mkdir()
    port = port or _free_port()
    conf = base / "glance-api.conf"
    conf.write_text(
        "[DEFAULT]\n"
        + extra_conf
        + f"bind_host = 127.0.0.1\nbind_port = {port}\nstate_path = {state}\n"
        + sections
    )
    env = _clean_env()
    env.update(
        {
            "OS_DEFAULT__BIND_HOST": "127.0.0.1",
            "OS_DEFAULT__BIND_PORT": str(port),
            "OS_DEFAULT__STATE_PATH": str(state),
            "RUST_BACKTRACE": "1",
        }
    )
    log = base / "glance-api.stderr"
    _server_log = log
    logf = open(log, "wb")
    proc = subprocess.Popen(
        [str(binary), "--config-file", str(conf)],
        env=env,
        cwd=str(base),
        stdin=subprocess.DEVNULL,
        stdout=logf,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    server = Server(url, port, proc, log, state)
    server.conf = conf
    deadline = time.monotonic() + START_TIMEOUT
    ready = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/healthcheck", timeout=2) as r:
                if r.status == 200:
                    ready = True
                    break
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    if not ready:
        rc = proc.poll()
        if rc is None:
            proc.kill()
            proc.wait()
        logf.close()
        pytest.fail(
            f"glance-api did not answer 200 on /healthcheck within {START_TIMEOUT:.0f}s "
            f"(exit code {rc}); its output:\n{server.stderr_text()}",
            pytrace=False,
        )
    try:
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        logf.close()


@pytest.fixture(scope="session")
def glance_server(tmp_path_factory) -> Server:
    """The server in no-auth mode: identity headers are trusted, any token works."""
    with running_server(tmp_path_factory, "auth_strategy = noauth\n") as server:
        yield server


@pytest.fixture(scope="session")
def identity_server(tmp_path_factory) -> Server:
    """The server on its defaults: the built-in identity, admin-openrc in the state directory."""
    with running_server(tmp_path_factory, "") as server:
        yield server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _server_log is not None and _server_log.exists():
        text = _server_log.read_text(errors="replace")
        if len(text) > 20000:
            text = "...(truncated)...\n" + text[-20000:]
        report.sections.append(("glance-api output", text))


# ---------------------------------------------------------------- client helpers


def _bin_dir() -> Path:
    return Path(os.environ.get("GLANCE_INTEROP_VENV_BIN", Path(sys.executable).parent))


def _tool(name: str) -> str:
    p = _bin_dir() / name
    if p.exists():
        return str(p)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"`{name}` not found (install tests-interop/requirements.txt)", pytrace=False)
    return found


class Result:
    def __init__(self, args, cp: subprocess.CompletedProcess):
        self.args = args
        self.rc = cp.returncode
        self.out = cp.stdout
        self.err = cp.stderr

    def __repr__(self):
        return (
            f"$ {' '.join(self.args)}\n-> exit {self.rc}\n--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"
        )


class Cli:
    """Runs a real client executable against the server, with a private HOME (schema cache)."""

    def __init__(self, argv0: list[str], home: Path, cwd: Path):
        self.argv0 = argv0
        self.home = home
        self.cwd = cwd

    def __call__(self, *args: str, timeout: float = CLIENT_TIMEOUT, env_extra: dict | None = None) -> Result:
        env = _clean_env()
        env.update(env_extra or {})
        env["HOME"] = str(self.home)
        env["PYTHONWARNINGS"] = "ignore"
        argv = self.argv0 + [str(a) for a in args]
        # stdin is a terminal, as for a person typing the command: glanceclient treats a non-tty stdin as
        # image data (image-create without --file would upload an empty image).
        master, slave = pty.openpty()
        try:
            cp = subprocess.run(
                argv, cwd=str(self.cwd), env=env, stdin=slave, capture_output=True, text=True, timeout=timeout,
            )
        finally:
            os.close(slave)
            os.close(master)
        return Result(argv, cp)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("work")


def glance_cli(url: str, home: Path, workdir: Path) -> Cli:
    """python-glanceclient against the no-auth server at `url`."""
    return Cli([_tool("glance"), "--os-image-url", url, "--os-auth-token", "x"], home, workdir)


def openstack_cli(url: str, home: Path, workdir: Path) -> Cli:
    """openstackclient against the no-auth server at `url`."""
    return Cli(
        [_tool("openstack"), "--os-auth-type", "none", "--os-endpoint", url, "--os-image-api-version", "2"],
        home,
        workdir,
    )


@pytest.fixture(scope="session")
def glance(glance_server, tmp_path_factory, workdir) -> Cli:
    return glance_cli(glance_server.url, tmp_path_factory.mktemp("home-glance"), workdir)


@pytest.fixture(scope="session")
def openstack(glance_server, tmp_path_factory, workdir) -> Cli:
    return openstack_cli(glance_server.url, tmp_path_factory.mktemp("home-osc"), workdir)


@pytest.fixture(scope="session")
def qcow2_file(workdir) -> Path:
    """A small qcow2 image made by qemu-img (64 MiB virtual, ~200 KiB on disk)."""
    path = workdir / "cirros.qcow2"
    qemu = shutil.which("qemu-img")
    if not qemu:
        pytest.fail("qemu-img not found (apt-get install qemu-utils)", pytrace=False)
    subprocess.run([qemu, "create", "-f", "qcow2", str(path), "64M"], check=True, capture_output=True)
    return path


def digest(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_table(text: str) -> list[list[str]]:
    """Parses a prettytable (`+---+` borders) into rows of cells, header first.

    Continuation lines (a wrapped value: first cell empty) are joined onto the previous row."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if rows and len(rows) > 1 and cells and cells[0] == "" and len(cells) == len(rows[-1]):
            rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    return rows


def parse_props(text: str) -> dict[str, str]:
    """Parses glanceclient's Property/Value table into a dict."""
    rows = parse_table(text)
    assert rows, f"no table in output:\n{text}"
    assert rows[0][:2] == ["Property", "Value"], f"unexpected header {rows[0]} in:\n{text}"
    return {r[0]: r[1] for r in rows[1:]}


# ---------------------------------------------------------------- real Keystone (scripts/keystone-server)

KEYSTONE_ADMIN_PASSWORD = "admin-secret"
KEYSTONE_GLANCE_PASSWORD = "glance-secret"
KEYSTONE_DEMO_PASSWORD = "demo-secret"
KEYSTONE_TOKEN_CACHE_TIME = 2


class Keystone:
    """Upstream Keystone on loopback (see scripts/keystone-server), with the glance service user, a `demo`
    project/user and the `image` service whose endpoints point at `glance_url` (the port is reserved before
    glance-api starts, so that the catalog can name it)."""

    def __init__(self, port: int, pid: int, directory: Path, glance_port: int, home: Path, cwd: Path):
        self.port = port
        self.pid = pid
        self.dir = directory
        self.url = f"http://127.0.0.1:{port}/v3"
        self.glance_port = glance_port
        self.glance_url = f"http://127.0.0.1:{glance_port}"
        self.home = home
        self.cwd = cwd

    def env(self, user: str, password: str, project: str) -> dict:
        """An openrc: what `source admin-openrc` would export."""
        return {
            "OS_AUTH_URL": self.url,
            "OS_AUTH_TYPE": "password",
            "OS_USERNAME": user,
            "OS_PASSWORD": password,
            "OS_PROJECT_NAME": project,
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_IMAGE_API_VERSION": "2",
        }

    @property
    def admin_env(self) -> dict:
        return self.env("admin", KEYSTONE_ADMIN_PASSWORD, "admin")

    @property
    def demo_env(self) -> dict:
        return self.env("demo", KEYSTONE_DEMO_PASSWORD, "demo")

    @property
    def glance_env(self) -> dict:
        return self.env("glance", KEYSTONE_GLANCE_PASSWORD, "service")

    def osc(self, env: dict, *args: str) -> Result:
        return Cli([_tool("openstack")], self.home, self.cwd)(*args, env_extra=env)

    def admin(self, *args: str) -> Result:
        r = self.osc(self.admin_env, *args)
        assert r.rc == 0, r
        return r

    def token(self, env: dict) -> dict:
        """`openstack token issue` as that user: {'id', 'project_id', 'user_id', ...}."""
        import json

        r = self.osc(env, "token", "issue", "-f", "json")
        assert r.rc == 0, r
        return json.loads(r.out)

    def mint_token(self, user_id: str, project_id: str, expires_in: float) -> str:
        """A project-scoped Fernet token for `user_id`, made with Keystone's own formatter and key repository
        (what `token issue` would return) but expiring `expires_in` seconds from now: the expiry is global in
        keystone.conf, so this is how one token can expire quickly without expiring every other token."""
        script = (
            "import datetime, sys\n"
            "from keystone import conf\n"
            "conf.configure()\n"
            "conf.CONF(['--config-file', sys.argv[1]], project='keystone')\n"
            "conf.auth.setup_authentication()\n"
            "from keystone.token import token_formatters as tf\n"
            "from keystone.token.provider import random_urlsafe_str\n"
            "exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=float(sys.argv[4]))\n"
            "print(tf.TokenFormatter().create_token(sys.argv[2], exp.strftime('%Y-%m-%dT%H:%M:%S.%fZ'),\n"
            "      [random_urlsafe_str()], tf.ProjectScopedPayload, methods=['password'], project_id=sys.argv[3]))\n"
        )
        python = Path(os.environ.get("KEYSTONE_VENV", REPO / ".venv-keystone")) / "bin" / "python"
        cp = subprocess.run(
            [str(python), "-W", "ignore", "-c", script, str(self.dir / "keystone.conf"), user_id, project_id, str(expires_in)],
            capture_output=True, text=True, timeout=120, env=_clean_env(),
        )
        assert cp.returncode == 0, cp.stderr
        return cp.stdout.strip().splitlines()[-1]

    def log_text(self) -> str:
        out = []
        for name in ("gunicorn.log", "keystone.log"):
            p = self.dir / name
            if p.exists():
                out.append(f"--- {name} ---\n" + p.read_text(errors="replace")[-10000:])
        return "\n".join(out)


def _stop_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # the gunicorn master is our grandchild's child: reap it if it is ours, else just poll
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def keystone(tmp_path_factory) -> Keystone:
    """Keystone from PyPI (.venv-keystone, made by scripts/keystone-server) on a free port, with the
    service/glance, demo/demo accounts and the image service in the catalog; stopped at the end."""
    directory = tmp_path_factory.mktemp("keystone")
    port = _free_port()
    glance_port = _free_port()
    t0 = time.monotonic()
    cp = subprocess.run(
        [str(REPO / "scripts" / "keystone-server"), str(directory), str(port), KEYSTONE_ADMIN_PASSWORD],
        env=_clean_env(), capture_output=True, text=True, timeout=900,
    )
    if cp.returncode != 0:
        pytest.fail(f"scripts/keystone-server failed (exit {cp.returncode}):\n{cp.stderr}", pytrace=False)
    pid = int(cp.stdout.strip().splitlines()[-1])
    ks = Keystone(port, pid, directory, glance_port, tmp_path_factory.mktemp("home-keystone"),
                  tmp_path_factory.mktemp("work-keystone"))
    try:
        a = ks.admin
        a("project", "create", "--domain", "default", "service")
        a("user", "create", "--domain", "default", "--password", KEYSTONE_GLANCE_PASSWORD, "glance")
        # keystone-manage bootstrap creates the `service` role since 2023.2; create it only if it is missing
        # (a POST that conflicts is avoided: it is a 500-prone path on SQLite).
        if ks.osc(ks.admin_env, "role", "show", "service").rc != 0:
            a("role", "create", "service")
        a("role", "add", "--project", "service", "--user", "glance", "service")
        a("role", "add", "--project", "service", "--user", "glance", "admin")
        a("project", "create", "--domain", "default", "demo")
        a("user", "create", "--domain", "default", "--password", KEYSTONE_DEMO_PASSWORD, "demo")
        a("role", "add", "--project", "demo", "--user", "demo", "member")
        a("service", "create", "--name", "glance", "--description", "OpenStack Image", "image")
        for interface in ("public", "internal", "admin"):
            a("endpoint", "create", "--region", "RegionOne", "glance", interface, ks.glance_url)
    except BaseException:
        _stop_pid(pid)
        raise
    sys.stderr.write(f"\n[keystone on {ks.url}, pid {pid}, ready in {time.monotonic() - t0:.1f}s]\n")
    try:
        yield ks
    finally:
        _stop_pid(pid)


@pytest.fixture(scope="session")
def glance_keystone_server(keystone, tmp_path_factory) -> Server:
    """glance-api with `[paste_deploy] flavor = keystone`, validating tokens against `keystone`."""
    sections = (
        "[paste_deploy]\n"
        "flavor = keystone\n"
        "[keystone_authtoken]\n"
        f"www_authenticate_uri = {keystone.url}\n"
        f"auth_url = {keystone.url}\n"
        "auth_type = password\n"
        "username = glance\n"
        f"password = {KEYSTONE_GLANCE_PASSWORD}\n"
        "project_name = service\n"
        "user_domain_name = Default\n"
        "project_domain_name = Default\n"
        f"token_cache_time = {KEYSTONE_TOKEN_CACHE_TIME}\n"
    )
    with running_server(tmp_path_factory, "", sections=sections, port=keystone.glance_port) as server:
        yield server


# Removing what a test created on the shared storage servers (scripts/backends/up), with the standard
# library only: the interop venv holds the OpenStack clients, not boto or swiftclient.


def _http(req: urllib.request.Request) -> tuple[int, bytes, dict]:
    """Sends `req`; returns status, body and headers, also for an error status."""
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def _s3(method: str, endpoint: str, access: str, secret: str, path: str, query: dict | None = None):
    """One S3 request with an empty body, signed with AWS Signature V4 (region us-east-1)."""
    host = urllib.parse.urlsplit(endpoint).netloc
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": stamp}
    signed = ";".join(sorted(headers))
    quote = lambda text: urllib.parse.quote(text, safe="-_.~")  # noqa: E731
    canonical_query = "&".join(sorted(f"{quote(k)}={quote(v)}" for k, v in (query or {}).items()))
    canonical = "\n".join([
        method, urllib.parse.quote(path, safe="/-_.~"), canonical_query,
        "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload,
    ])
    scope = f"{stamp[:8]}/us-east-1/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={signed}, Signature={signature}"
    url = endpoint.rstrip("/") + urllib.parse.quote(path) + ("?" + canonical_query if canonical_query else "")
    return _http(urllib.request.Request(url, method=method, headers=headers))


def remove_s3_bucket(endpoint: str, access: str, secret: str, bucket: str) -> None:
    """Deletes `bucket` with whatever is left in it (objects, multipart uploads); a missing bucket is fine."""
    status, body, _ = _s3("GET", endpoint, access, secret, f"/{bucket}", {"list-type": "2"})
    if status == 404:
        return
    assert status == 200, (status, body)
    for key in re.findall(r"<Key>(.*?)</Key>", body.decode()):
        _s3("DELETE", endpoint, access, secret, f"/{bucket}/{key}")
    status, body, _ = _s3("GET", endpoint, access, secret, f"/{bucket}", {"uploads": ""})
    if status == 200:
        for upload in body.decode().split("<Upload>")[1:]:
            key = re.search(r"<Key>(.*?)</Key>", upload).group(1)
            upload_id = re.search(r"<UploadId>(.*?)</UploadId>", upload).group(1)
            _s3("DELETE", endpoint, access, secret, f"/{bucket}/{key}", {"uploadId": upload_id})
    status, body, _ = _s3("DELETE", endpoint, access, secret, f"/{bucket}")
    assert status in (204, 404), (status, body)


def remove_swift_container(auth_url: str, user: str, key: str, container: str) -> None:
    """Deletes `container` with the objects left in it (tempauth); a missing container is fine."""
    status, body, headers = _http(urllib.request.Request(auth_url, headers={"X-Auth-User": user, "X-Auth-Key": key}))
    assert status == 200, (status, body)
    headers = {k.lower(): v for k, v in headers.items()}
    token = {"X-Auth-Token": headers["x-auth-token"]}
    url = f"{headers['x-storage-url']}/{urllib.parse.quote(container)}"
    for _ in range(20):
        status, body, _ = _http(urllib.request.Request(f"{url}?format=json", headers=token))
        if status == 404:
            return
        for obj in json.loads(body or b"[]"):
            _http(urllib.request.Request(f"{url}/{urllib.parse.quote(obj['name'])}", method="DELETE", headers=token))
        status, body, _ = _http(urllib.request.Request(url, method="DELETE", headers=token))
        if status in (204, 404):
            return
        assert status == 409, (status, body)  # a listing that lags behind: retry
        time.sleep(0.5)
    raise AssertionError(f"swift container {container} stays not empty")
