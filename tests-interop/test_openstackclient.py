"""python-openstackclient (`openstack image …`, through openstacksdk) against the real glance-api binary.

Runs with `--os-auth-type none --os-endpoint URL --os-image-api-version 2`: keystoneauth discovers the API
with `GET /` (expects the 300 versions document), then talks /v2. Steps run in order and share one image.
"""

from __future__ import annotations

import json

import pytest

from conftest import digest

STATE: dict = {}


def need(*keys):
    for k in keys:
        if k not in STATE:
            pytest.skip(f"prerequisite step did not succeed ({k} missing)")


def as_json(r):
    try:
        return json.loads(r.out)
    except ValueError:
        pytest.fail(f"output is not JSON:\n{r!r}")


def test_01_image_create(openstack, qcow2_file):
    r = openstack(
        "image", "create", "--file", qcow2_file.name, "--disk-format", "qcow2", "--container-format", "bare",
        "osc-cirros", "-f", "json",
    )
    assert r.rc == 0, r
    img = as_json(r)
    STATE["id"] = img["id"]
    assert img["name"] == "osc-cirros", r
    assert img["status"] == "active", r
    assert img["disk_format"] == "qcow2", r
    assert img["size"] == qcow2_file.stat().st_size, r
    assert img["checksum"] == digest(qcow2_file, "md5"), r


def test_02_image_list(openstack):
    need("id")
    r = openstack("image", "list", "-f", "json")
    assert r.rc == 0, r
    rows = as_json(r)
    assert {"ID": STATE["id"], "Name": "osc-cirros", "Status": "active"} in rows, r


def test_03_image_show_by_name(openstack, qcow2_file):
    """Lookup by name: GET /v2/images/osc-cirros must 404, then GET /v2/images?name=osc-cirros finds it."""
    need("id")
    r = openstack("image", "show", "osc-cirros", "-f", "json")
    assert r.rc == 0, r
    img = as_json(r)
    assert img["id"] == STATE["id"], r
    assert img["status"] == "active", r
    props = img.get("properties") or {}
    assert props.get("os_hash_algo") == "sha512", r
    assert props.get("os_hash_value") == digest(qcow2_file, "sha512"), r


def test_04_image_set(openstack):
    need("id")
    r = openstack("image", "set", "--property", "os_distro=cirros", "--name", "osc-renamed", STATE["id"])
    assert r.rc == 0, r
    r = openstack("image", "show", STATE["id"], "-f", "json")
    assert r.rc == 0, r
    img = as_json(r)
    assert img["name"] == "osc-renamed", r
    assert (img.get("properties") or {}).get("os_distro") == "cirros", r


def test_05_image_save(openstack, qcow2_file, workdir):
    need("id")
    r = openstack("image", "save", "--file", "osc-out", STATE["id"])
    assert r.rc == 0, r
    assert digest(workdir / "osc-out", "sha512") == digest(qcow2_file, "sha512"), r


def test_06_image_delete(openstack):
    need("id")
    r = openstack("image", "delete", STATE["id"])
    assert r.rc == 0, r
    r = openstack("image", "list", "-f", "json")
    assert r.rc == 0, r
    assert STATE["id"] not in [row["ID"] for row in as_json(r)], r
    r = openstack("image", "show", STATE["id"])
    assert r.rc != 0, r
