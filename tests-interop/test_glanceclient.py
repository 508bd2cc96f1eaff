"""python-glanceclient 4.13.0 (`glance` CLI) against the real glance-api binary.

The flow from the issue: create (with --file, --progress) → list → show → update → tag → download → deactivate →
reactivate → delete. The steps run in file order and share one image; a step whose prerequisite failed is skipped.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from conftest import digest, parse_props, parse_table

STATE: dict = {}


def need(*keys):
    for k in keys:
        if k not in STATE:
            pytest.skip(f"prerequisite step did not succeed ({k} missing)")


def test_01_image_create_with_file(glance, qcow2_file):
    r = glance(
        "image-create", "--name", "cirros", "--file", qcow2_file.name, "--disk-format", "qcow2",
        "--container-format", "bare", "--progress",
    )
    assert r.rc == 0, r
    props = parse_props(r.out)
    STATE["id"] = props["id"]
    assert props["name"] == "cirros", r
    assert props["status"] == "active", r
    assert props["disk_format"] == "qcow2", r
    assert props["container_format"] == "bare", r
    assert props["visibility"] == "shared", r
    assert props["size"] == str(qcow2_file.stat().st_size), r
    assert props["checksum"] == digest(qcow2_file, "md5"), r
    assert props["os_hash_algo"] == "sha512", r
    assert props["os_hash_value"] == digest(qcow2_file, "sha512"), r
    assert props["protected"] == "False", r
    assert props["os_hidden"] == "False", r
    assert props["tags"] == "[]", r
    assert props["min_disk"] == "0" and props["min_ram"] == "0", r
    STATE["created"] = True


def test_02_image_create_virtual_size(glance):
    """The format inspector reports the qcow2's virtual size (64 MiB)."""
    need("id")
    r = glance("image-show", STATE["id"])
    assert r.rc == 0, r
    assert parse_props(r.out).get("virtual_size") == str(64 * 1024 * 1024), r


def test_03_image_list(glance):
    need("id")
    r = glance("image-list")
    assert r.rc == 0, r
    rows = parse_table(r.out)
    assert rows and rows[0] == ["ID", "Name"], r
    assert [STATE["id"], "cirros"] in rows[1:], r


def test_04_image_list_verbose(glance, qcow2_file):
    need("id")
    r = glance("--verbose", "image-list")
    assert r.rc == 0, r
    rows = parse_table(r.out)
    assert rows[0] == ["ID", "Name", "Disk_format", "Container_format", "Size", "Status", "Owner"], r
    mine = [row for row in rows[1:] if row[0] == STATE["id"]]
    assert mine, r
    assert mine[0][1:6] == ["cirros", "qcow2", "bare", str(qcow2_file.stat().st_size), "active"], r


def test_05_image_show(glance, qcow2_file):
    need("id")
    r = glance("image-show", STATE["id"])
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert props["id"] == STATE["id"], r
    assert props["status"] == "active", r
    assert props["checksum"] == digest(qcow2_file, "md5"), r
    assert props["os_hash_value"] == digest(qcow2_file, "sha512"), r
    # image-show hides self/file/schema; rows are sorted by property name
    for hidden in ("self", "file", "schema"):
        assert hidden not in props, r
    keys = list(props)
    assert keys == sorted(keys), r
    for key in ("created_at", "updated_at"):
        assert props[key].endswith("Z") and len(props[key]) == 20, r


def test_06_image_update(glance):
    need("id")
    r = glance("image-update", "--property", "os_distro=cirros", "--name", "x", STATE["id"])
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert props["os_distro"] == "cirros", r
    assert props["name"] == "x", r
    assert props["status"] == "active", r
    r = glance("image-show", STATE["id"])
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert props["os_distro"] == "cirros" and props["name"] == "x", r
    STATE["updated"] = True


def test_07_image_update_remove_property(glance):
    need("id", "updated")
    r = glance("image-update", "--property", "hw_disk_bus=scsi", STATE["id"])
    assert r.rc == 0, r
    assert parse_props(r.out).get("hw_disk_bus") == "scsi", r
    r = glance("image-update", "--remove-property", "hw_disk_bus", STATE["id"])
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert "hw_disk_bus" not in props, r
    assert props["os_distro"] == "cirros", r


def test_08_image_tag_update(glance):
    need("id")
    r = glance("image-tag-update", STATE["id"], "t1")
    assert r.rc == 0, r
    rows = parse_table(r.out)
    assert rows[0] == ["ID", "Tags"], r
    assert rows[1] == [STATE["id"], "['t1']"], r
    r = glance("image-show", STATE["id"])
    assert parse_props(r.out)["tags"] == '["t1"]', r


def test_09_image_tag_delete(glance):
    need("id")
    assert glance("image-tag-update", STATE["id"], "t2").rc == 0
    r = glance("image-tag-delete", STATE["id"], "t2")
    assert r.rc == 0, r
    r = glance("image-show", STATE["id"])
    assert parse_props(r.out)["tags"] == '["t1"]', r


def test_10_image_download(glance, qcow2_file, workdir):
    need("id")
    out = workdir / "out"
    r = glance("image-download", "--file", "out", "--progress", STATE["id"])
    assert r.rc == 0, r
    assert out.exists(), r
    assert digest(out, "sha512") == digest(qcow2_file, "sha512"), r
    STATE["downloaded"] = True


def test_11_image_deactivate(glance):
    need("id")
    r = glance("image-deactivate", STATE["id"])
    assert r.rc == 0, r
    assert r.out.strip() == "", r
    r = glance("image-show", STATE["id"])
    assert parse_props(r.out)["status"] == "deactivated", r
    STATE["deactivated"] = True


def test_12_download_deactivated_as_member_is_403(glance_server):
    """A project-scoped (non-admin) caller may not download a deactivated image (403)."""
    need("id", "deactivated")
    # make the image visible to a project-scoped caller: it must be public for a non-owner to see it
    req = urllib.request.Request(
        f"{glance_server.url}/v2/images/{STATE['id']}",
        data=json.dumps([{"op": "replace", "path": "/visibility", "value": "public"}]).encode(),
        method="PATCH",
        headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    req = urllib.request.Request(
        f"{glance_server.url}/v2/images/{STATE['id']}/file",
        headers={"X-Project-Id": "p-member", "X-Roles": "reader,member", "X-User-Id": "u-member"},
    )
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(req, timeout=10)
    body = ei.value.read().decode(errors="replace")
    assert ei.value.code == 403, body
    assert "deactivated" in body, body


def test_13_download_deactivated_as_admin_cli(glance, qcow2_file, workdir):
    """The glance CLI caller is admin: it may still download a deactivated image."""
    need("id", "deactivated")
    r = glance("image-download", "--file", "out-deact", STATE["id"])
    assert r.rc == 0, r
    assert digest(workdir / "out-deact", "sha512") == digest(qcow2_file, "sha512"), r


def test_14_image_reactivate(glance):
    need("id", "deactivated")
    r = glance("image-reactivate", STATE["id"])
    assert r.rc == 0, r
    r = glance("image-show", STATE["id"])
    assert parse_props(r.out)["status"] == "active", r


def test_15_image_delete(glance):
    need("id")
    r = glance("image-delete", STATE["id"])
    assert r.rc == 0, r
    r = glance("image-show", STATE["id"])
    assert r.rc == 1, r
    assert "404" in r.err, r
    r = glance("image-list")
    assert STATE["id"] not in r.out, r


# ------------------------------------------------------------------ error paths


def test_show_unknown_id_is_404(glance):
    r = glance("image-show", "00000000-0000-4000-8000-000000000000")
    assert r.rc == 1, r
    assert "404" in r.err, r
    assert "No image found with ID 00000000-0000-4000-8000-000000000000" in r.err, r


def test_delete_unknown_id(glance):
    r = glance("image-delete", "00000000-0000-4000-8000-000000000001")
    assert r.rc == 1, r
    assert "No image with an ID of '00000000-0000-4000-8000-000000000001' exists." in r.err, r


def test_create_without_data_is_queued_and_download_has_no_data(glance, workdir):
    r = glance("image-create", "--name", "empty", "--disk-format", "raw", "--container-format", "bare")
    assert r.rc == 0, r
    props = parse_props(r.out)
    assert props["status"] == "queued", r
    assert props["size"] == "None" and props["checksum"] == "None", r
    r2 = glance("image-download", "--file", "nothing", props["id"])
    assert r2.rc == 1, r2
    assert f"Image {props['id']} has no data." in r2.err, r2
    assert glance("image-delete", props["id"]).rc == 0


def test_upload_to_active_image_is_409(glance, qcow2_file):
    r = glance(
        "image-create", "--name", "twice", "--file", qcow2_file.name, "--disk-format", "qcow2",
        "--container-format", "bare",
    )
    assert r.rc == 0, r
    iid = parse_props(r.out)["id"]
    r2 = glance("image-upload", "--file", qcow2_file.name, iid)
    assert r2.rc == 1, r2
    assert "409" in r2.err, r2
    assert glance("image-delete", iid).rc == 0


def test_deactivate_queued_image_is_403(glance):
    r = glance("image-create", "--name", "q", "--disk-format", "raw", "--container-format", "bare")
    assert r.rc == 0, r
    iid = parse_props(r.out)["id"]
    r2 = glance("image-deactivate", iid)
    assert r2.rc == 1, r2
    assert "403" in r2.err, r2
    assert glance("image-delete", iid).rc == 0
