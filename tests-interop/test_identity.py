"""The built-in identity with the stock clients: `. admin-openrc`, then glance and openstack work with no
other flag; a second project made with glance-manage gets an image shared with it, accepts it, downloads it.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import Cli, _find_binary, _tool, digest, parse_props, parse_table

STATE: dict = {}


def openrc_env(path: Path) -> dict:
    """The variables an `admin-openrc` exports."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


@pytest.fixture(scope="module")
def admin_env(identity_server) -> dict:
    openrc = identity_server.state / "admin-openrc"
    assert openrc.exists(), identity_server.stderr_text()
    assert oct(openrc.stat().st_mode & 0o777) == "0o600"
    env = openrc_env(openrc)
    assert env["OS_AUTH_URL"].endswith("/identity/v3"), env
    return env


@pytest.fixture(scope="module")
def manage(identity_server):
    binary = _find_binary().parent / "glance-manage"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(binary), "--config-file", str(identity_server.conf), *args],
            capture_output=True, text=True, timeout=60,
        )

    return run


@pytest.fixture(scope="module")
def cli(tmp_path_factory, workdir):
    home = tmp_path_factory.mktemp("home-identity")
    return {"glance": Cli([_tool("glance")], home, workdir), "openstack": Cli([_tool("openstack")], home, workdir)}


def test_01_no_token_is_401(identity_server):
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(identity_server.url + "/v2/images", timeout=10)
        pytest.fail("expected 401")
    except urllib.error.HTTPError as e:
        assert e.code == 401
        assert e.headers["WWW-Authenticate"].startswith('Keystone uri="')


def test_02_admin_openrc_with_glanceclient(cli, admin_env, qcow2_file):
    glance = cli["glance"]
    r = glance("image-create", "--name", "cirros", "--file", str(qcow2_file), "--disk-format", "qcow2",
               "--container-format", "bare", env_extra=admin_env)
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert props["status"] == "active", r
    STATE["id"] = props["id"]
    r = glance("image-list", env_extra=admin_env)
    assert r.rc == 0, r
    assert [STATE["id"], "cirros"] in parse_table(r.out)[1:], r


def test_03_admin_openrc_with_openstackclient(cli, admin_env):
    r = cli["openstack"]("image", "list", "-f", "value", "-c", "ID", env_extra=admin_env)
    assert r.rc == 0, r
    assert STATE["id"] in r.out.split(), r


def test_04_bad_password(cli, admin_env):
    env = dict(admin_env, OS_PASSWORD="wrong")
    r = cli["glance"]("image-list", env_extra=env)
    assert r.rc != 0, r


def test_05_share_with_a_second_project(cli, admin_env, manage, qcow2_file):
    assert "id" in STATE
    r = manage("project-create", "demo")
    assert r.returncode == 0, r
    demo_project = r.stdout.strip().split()[-1]
    STATE["demo_project"] = demo_project
    r = manage("user-create", "demo", "--password", "demo-secret")
    assert r.returncode == 0, r
    r = manage("role-add", "--user", "demo", "--project", "demo", "member")
    assert r.returncode == 0, r
    demo_env = dict(admin_env, OS_USERNAME="demo", OS_PASSWORD="demo-secret", OS_PROJECT_NAME="demo")
    glance = cli["glance"]
    image = STATE["id"]
    # The admin's shared image (owned by the admin project) is invisible to demo until shared.
    r = glance("image-show", image, env_extra=demo_env)
    assert r.rc == 1 and "404" in r.err, r
    r = glance("member-create", image, demo_project, env_extra=admin_env)
    assert r.rc == 0, r
    r = glance("member-update", image, demo_project, "accepted", env_extra=demo_env)
    assert r.rc == 0, r
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.img"
        r = glance("image-download", "--file", str(out), image, env_extra=demo_env)
        assert r.rc == 0, r
        assert digest(out, "sha512") == digest(qcow2_file, "sha512")
    # demo may read but not delete; the admin may.
    r = glance("image-delete", image, env_extra=demo_env)
    assert r.rc != 0, r
    r = glance("image-delete", image, env_extra=admin_env)
    assert r.rc == 0, r


def test_06_share_with_openstackclient(cli, admin_env, qcow2_file):
    """The same sharing flow with openstackclient: create --shared, add project, accept, save, delete."""
    if "demo_project" not in STATE:
        pytest.skip("the demo project was not created")
    osc = cli["openstack"]
    demo_env = dict(admin_env, OS_USERNAME="demo", OS_PASSWORD="demo-secret", OS_PROJECT_NAME="demo")
    r = osc("image", "create", "--file", str(qcow2_file), "--disk-format", "qcow2", "--container-format",
            "bare", "--shared", "osc-shared", "-f", "value", "-c", "id", env_extra=admin_env)
    assert r.rc == 0, r
    image = r.out.strip()
    r = osc("image", "show", image, env_extra=demo_env)
    assert r.rc != 0, r
    r = osc("image", "add", "project", image, STATE["demo_project"], env_extra=admin_env)
    assert r.rc == 0, r
    r = osc("image", "set", "--accept", image, env_extra=demo_env)
    assert r.rc == 0, r
    r = osc("image", "list", "-f", "value", "-c", "ID", env_extra=demo_env)
    assert r.rc == 0 and image in r.out.split(), r
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.img"
        r = osc("image", "save", "--file", str(out), image, env_extra=demo_env)
        assert r.rc == 0, r
        assert digest(out, "sha512") == digest(qcow2_file, "sha512")
    r = osc("image", "delete", image, env_extra=demo_env)
    assert r.rc != 0, r
    r = osc("image", "delete", image, env_extra=admin_env)
    assert r.rc == 0, r


def test_07_our_glance_with_admin_openrc(cli, admin_env, qcow2_file, tmp_path_factory, workdir):
    """Our `glance` (crates/glance-cli) with `. admin-openrc`: create, list, show, share with demo, accept and
    download as demo, delete; a wrong password fails as upstream's client does."""
    if "demo_project" not in STATE:
        pytest.skip("the demo project was not created")
    ours = Cli([str(_find_binary().parent / "glance")], tmp_path_factory.mktemp("home-ours"), workdir)
    demo_env = dict(admin_env, OS_USERNAME="demo", OS_PASSWORD="demo-secret", OS_PROJECT_NAME="demo")
    r = ours("image-create", "--name", "ours", "--file", str(qcow2_file), "--disk-format", "qcow2",
             "--container-format", "bare", "--progress", env_extra=admin_env)
    assert r.rc == 0, r
    props = parse_props(r.out)
    image = props["id"]
    assert props["status"] == "active" and props["os_hash_value"] == digest(qcow2_file, "sha512"), r
    r = ours("image-list", env_extra=admin_env)
    assert r.rc == 0 and [image, "ours"] in parse_table(r.out)[1:], r
    r = ours("image-show", "-f", "json", image, env_extra=admin_env)
    assert r.rc == 0, r
    import json as _json
    assert _json.loads(r.out)["name"] == "ours", r
    r = ours("image-show", image, env_extra=demo_env)
    assert r.rc == 1 and "404" in r.err, r
    r = ours("member-create", image, STATE["demo_project"], env_extra=admin_env)
    assert r.rc == 0 and "pending" in r.out, r
    r = ours("member-update", image, STATE["demo_project"], "accepted", env_extra=demo_env)
    assert r.rc == 0 and "accepted" in r.out, r
    out = workdir / "ours-demo.img"
    r = ours("image-download", "--file", str(out), image, env_extra=demo_env)
    assert r.rc == 0, r
    assert digest(out, "sha512") == digest(qcow2_file, "sha512")
    r = ours("image-delete", image, env_extra=demo_env)
    assert r.rc == 1 and "not permitted" in r.err, r
    r = ours("image-delete", image, env_extra=admin_env)
    assert r.rc == 0, r
    bad = dict(admin_env, OS_PASSWORD="wrong")
    r_ours, r_up = ours("image-list", env_extra=bad), cli["glance"]("image-list", env_extra=bad)
    assert (r_ours.rc, r_ours.err) == (r_up.rc, r_up.err), (r_ours, r_up)


def test_08_our_glance_with_os_cloud(admin_env, tmp_path_factory):
    """`OS_CLOUD=<name>` with a clouds.yaml in the working directory, as openstacksdk reads it."""
    work = tmp_path_factory.mktemp("clouds")
    (work / "clouds.yaml").write_text(
        "clouds:\n"
        "  local:\n"
        "    auth:\n"
        f"      auth_url: {admin_env['OS_AUTH_URL']}\n"
        f"      username: {admin_env['OS_USERNAME']}\n"
        f"      project_name: {admin_env['OS_PROJECT_NAME']}\n"
        "      user_domain_name: Default\n"
        "      project_domain_name: Default\n"
        "    region_name: RegionOne\n"
        "    interface: public\n")
    (work / "secure.yaml").write_text(f"clouds:\n  local:\n    auth:\n      password: {admin_env['OS_PASSWORD']}\n")
    ours = Cli([str(_find_binary().parent / "glance")], tmp_path_factory.mktemp("home-cloud"), work)
    r = ours("image-list", env_extra={"OS_CLOUD": "local"})
    assert r.rc == 0 and r.out.startswith("+"), r
    r = ours("--os-cloud", "nowhere", "image-list")
    assert r.rc == 1 and "nowhere" in r.err, r
