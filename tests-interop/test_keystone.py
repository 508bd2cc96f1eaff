"""glance-api behind real upstream Keystone (PyPI `keystone`, started by scripts/keystone-server).

The `keystone` fixture runs Keystone on loopback with the usual deployment: project `service` with user `glance`
(roles service + admin), project `demo` with user `demo` (member), and the `image` service whose
public/internal/admin endpoints are the glance-api URL. `glance_keystone_server` is glance-api with
`[paste_deploy] flavor = keystone` and a `[keystone_authtoken]` section pointing at that Keystone.

The first tests check the harness itself (Keystone, the accounts, the catalog); the others exercise glance-api's
Keystone token validation. Steps run in file order and share state; a step whose prerequisite failed is skipped.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from conftest import KEYSTONE_TOKEN_CACHE_TIME, Cli, _tool, parse_props, parse_table

STATE: dict = {}


def need(*keys):
    for k in keys:
        if k not in STATE:
            pytest.skip(f"prerequisite step did not succeed ({k} missing)")


def http(method: str, url: str, token: str | None = None, body: bytes | None = None):
    """(status, headers, body) of a raw request, HTTP errors included."""
    req = urllib.request.Request(url, method=method, data=body)
    if token is not None:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def glance_ks(keystone, tmp_path_factory, workdir):
    """The `glance` CLI driven by an openrc (no --os-image-url: the endpoint comes from the catalog)."""
    home = tmp_path_factory.mktemp("home-glance-ks")
    cli = Cli([_tool("glance")], home, workdir)

    def run(env: dict, *args: str):
        return cli(*args, env_extra=env)

    return run


# ---------------------------------------------------------------- the harness itself


def test_01_keystone_token_issue(keystone):
    tok = keystone.token(keystone.admin_env)
    assert tok["id"] and tok["project_id"], tok
    STATE["admin_project"] = tok["project_id"]
    # Keystone itself accepts the token (GET /v3/auth/tokens validates X-Subject-Token with X-Auth-Token).
    req = urllib.request.Request(keystone.url + "/auth/tokens",
                                 headers={"X-Auth-Token": tok["id"], "X-Subject-Token": tok["id"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200
        assert json.load(r)["token"]["project"]["id"] == tok["project_id"]


def test_02_keystone_catalog_has_image_endpoint(keystone):
    r = keystone.admin("endpoint", "list", "--service", "image", "-f", "json")
    endpoints = json.loads(r.out)
    got = {(e["Interface"], e["URL"], e["Region"]) for e in endpoints}
    want = {(i, keystone.glance_url, "RegionOne") for i in ("public", "internal", "admin")}
    assert got == want, r
    r = keystone.admin("catalog", "show", "image", "-f", "json")
    assert keystone.glance_url in r.out, r


def test_03_keystone_service_and_demo_accounts(keystone):
    tok = keystone.token(keystone.glance_env)
    STATE["service_project"] = tok["project_id"]
    r = keystone.admin("role", "assignment", "list", "--user", "glance", "--project", "service", "--names",
                       "-f", "json")
    roles = {a["Role"] for a in json.loads(r.out)}
    assert {"service", "admin"} <= roles, r
    tok = keystone.token(keystone.demo_env)
    STATE["demo_project"] = tok["project_id"]
    STATE["demo_token"] = tok["id"]
    assert STATE["demo_project"] != STATE.get("admin_project"), tok


# ---------------------------------------------------------------- glance-api behind Keystone


def test_10_glanceclient_catalog_flow(keystone, glance_keystone_server, glance_ks, qcow2_file):
    env = keystone.admin_env
    r = glance_ks(env, "image-create", "--name", "ks-cirros", "--file", qcow2_file.name, "--disk-format", "qcow2",
                  "--container-format", "bare", "--visibility", "private")
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert props["status"] == "active", r
    assert props["visibility"] == "private", r
    need("admin_project")
    assert props["owner"] == STATE["admin_project"], r
    image_id = props["id"]
    STATE["admin_image"] = image_id

    r = glance_ks(env, "image-list")
    assert r.rc == 0, r
    ids = [row[0] for row in parse_table(r.out)[1:]]
    assert image_id in ids, r

    r = glance_ks(env, "image-show", image_id)
    assert r.rc == 0, r
    assert parse_props(r.out)["name"] == "ks-cirros", r


def test_11_garbage_token_glanceclient(glance_keystone_server):
    r = Cli([_tool("glance"), "--os-image-url", glance_keystone_server.url, "--os-auth-token", "garbage"],
            glance_keystone_server.state.parent, glance_keystone_server.state.parent)("image-list")
    assert r.rc == 1, r
    # glanceclient turns a 401 into this message (glanceclient/shell.py, exc.Unauthorized -> CommandError)
    assert "Invalid OpenStack Identity credentials" in r.err, r
    # and the server did answer 401
    assert " status: 401" in glance_keystone_server.stderr_text(), glance_keystone_server.stderr_text()


def test_12_www_authenticate(keystone, glance_keystone_server):
    for token in ("garbage", None):
        status, headers, body = http("GET", glance_keystone_server.url + "/v2/images", token)
        assert status == 401, (token, status, body)
        assert headers.get("WWW-Authenticate") == f'Keystone uri="{keystone.url}"', (token, dict(headers))


def test_13_project_scoping(keystone, glance_keystone_server, glance_ks, qcow2_file):
    need("admin_image", "demo_project")
    denv = keystone.demo_env
    r = glance_ks(denv, "image-show", STATE["admin_image"])
    assert r.rc != 0, r
    status, _, body = http("GET", f"{glance_keystone_server.url}/v2/images/{STATE['admin_image']}",
                           keystone.token(denv)["id"])
    assert status == 404, body
    r = glance_ks(denv, "image-list")
    assert r.rc == 0 and STATE["admin_image"] not in r.out, r

    r = glance_ks(denv, "image-create", "--name", "demo-img", "--file", qcow2_file.name, "--disk-format", "qcow2",
                  "--container-format", "bare")
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert props["owner"] == STATE["demo_project"], r
    r = glance_ks(denv, "image-delete", props["id"])
    assert r.rc == 0, r


def test_14_revoked_token(keystone, glance_keystone_server):
    token = keystone.token(keystone.admin_env)["id"]
    status, _, body = http("GET", glance_keystone_server.url + "/v2/images", token)
    assert status == 200, body
    keystone.admin("token", "revoke", token)
    time.sleep(KEYSTONE_TOKEN_CACHE_TIME + 1)
    status, _, body = http("GET", glance_keystone_server.url + "/v2/images", token)
    assert status == 401, body


def test_15_image_delete(keystone, glance_keystone_server, glance_ks):
    need("admin_image")
    env = keystone.admin_env
    r = glance_ks(env, "image-delete", STATE["admin_image"])
    assert r.rc == 0, r
    r = glance_ks(env, "image-show", STATE["admin_image"])
    assert r.rc != 0, r


def test_16_expired_token(keystone, glance_keystone_server):
    """A token valid for a few seconds (minted with Keystone's key repository, see Keystone.mint_token):
    accepted while valid, 401 once expired (the validation cache must not outlive the token)."""
    tok = keystone.token(keystone.admin_env)
    life = 4
    token = keystone.mint_token(tok["user_id"], tok["project_id"], life)
    born = time.monotonic()
    # Keystone itself accepts it
    req = urllib.request.Request(keystone.url + "/auth/tokens", headers={"X-Auth-Token": tok["id"],
                                                                          "X-Subject-Token": token})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200
    status, _, body = http("GET", glance_keystone_server.url + "/v2/images", token)
    assert status == 200, body
    assert time.monotonic() - born < life, "too slow to use the token before it expired"
    time.sleep(max(0.0, life - (time.monotonic() - born)) + 1)
    status, _, body = http("GET", glance_keystone_server.url + "/v2/images", token)
    assert status == 401, body
