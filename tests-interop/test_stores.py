"""Multi-store through the real clients: python-glanceclient's store commands (stores-info, image-create --store,
stores-delete, location-add, add-location) and openstackclient's image create/save, against a glance-api whose
backends are the real storage servers that scripts/backends/up starts (Ceph RBD, S3 on the RADOS Gateway, Swift),
a file store and the read-only http store.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import (
    Cli,
    digest,
    glance_cli,
    openstack_cli,
    parse_props,
    parse_table,
    remove_s3_bucket,
    remove_swift_container,
    running_server,
)


def env(key: str, default: str) -> str:
    return os.environ.get(key, default)


def sections(tag: str) -> str:
    return (
        "[glance_store]\ndefault_backend = obj\n"
        "[fast]\nstore_description = local disks\n"
        "[obj]\nweight = 10\n"
        f"s3_store_host = {env('GLANCE_TEST_S3_RGW_URL', 'http://127.0.0.1:7480')}\n"
        f"s3_store_access_key = {env('GLANCE_TEST_S3_ACCESS_KEY', 'glance')}\n"
        f"s3_store_secret_key = {env('GLANCE_TEST_S3_SECRET_KEY', 'glancesecret')}\n"
        f"s3_store_bucket = interop-{tag}\ns3_store_create_bucket_on_put = true\n"
        "[objects]\n"
        f"swift_store_auth_address = {env('GLANCE_TEST_SWIFT_AUTH_URL', 'http://127.0.0.1:8080/auth/v1.0')}\n"
        f"swift_store_user = {env('GLANCE_TEST_SWIFT_USER', 'glance:glance')}\n"
        f"swift_store_key = {env('GLANCE_TEST_SWIFT_KEY', 'glancepass')}\n"
        f"swift_store_auth_version = 1\nswift_store_container = interop-{tag}\n"
        "swift_store_create_container_on_put = true\n"
        "[ceph]\n"
        f"rbd_store_ceph_conf = {env('GLANCE_TEST_CEPH_CONF', '/tmp/glance-backends/ceph/ceph.conf')}\n"
        f"rbd_store_user = {env('GLANCE_TEST_RBD_USER', 'glance')}\n"
        f"rbd_store_pool = {env('GLANCE_TEST_RBD_POOL', 'images')}\n"
        "[web]\n"
    )


@pytest.fixture(scope="module")
def multistore(tmp_path_factory):
    tag = uuid.uuid4().hex[:10]
    conf = (
        "auth_strategy = noauth\nshow_multiple_locations = true\nshow_image_direct_url = true\n"
        "enabled_backends = fast:file, obj:s3, objects:swift, ceph:rbd, web:http\n"
    )
    try:
        with running_server(tmp_path_factory, conf, sections(tag)) as server:
            yield server
    finally:
        # The bucket and container the stores created, with anything a failed test left in them.
        remove_s3_bucket(
            env("GLANCE_TEST_S3_RGW_URL", "http://127.0.0.1:7480"),
            env("GLANCE_TEST_S3_ACCESS_KEY", "glance"),
            env("GLANCE_TEST_S3_SECRET_KEY", "glancesecret"),
            f"interop-{tag}",
        )
        remove_swift_container(
            env("GLANCE_TEST_SWIFT_AUTH_URL", "http://127.0.0.1:8080/auth/v1.0"),
            env("GLANCE_TEST_SWIFT_USER", "glance:glance"),
            env("GLANCE_TEST_SWIFT_KEY", "glancepass"),
            f"interop-{tag}",
        )


@pytest.fixture(scope="module")
def gl(multistore, tmp_path_factory, workdir) -> Cli:
    return glance_cli(multistore.url, tmp_path_factory.mktemp("home-glance-stores"), workdir)


@pytest.fixture(scope="module")
def osc(multistore, tmp_path_factory, workdir) -> Cli:
    return openstack_cli(multistore.url, tmp_path_factory.mktemp("home-osc-stores"), workdir)


@pytest.fixture(scope="module")
def image_file(workdir) -> Path:
    path = workdir / "stores-image.raw"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 1234))
    return path


@pytest.fixture(scope="module")
def web(image_file):
    """A plain web server on loopback serving the image file (the http store's remote side)."""
    directory = str(image_file.parent)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=directory, **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{image_file.name}"
    httpd.shutdown()


def create(gl: Cli, image_file: Path, *extra: str) -> dict:
    r = gl("image-create", "--name", f"img-{uuid.uuid4().hex[:6]}", "--disk-format", "raw",
           "--container-format", "bare", "--file", str(image_file), *extra)
    assert r.rc == 0, r
    return parse_props(r.out)


def show(gl: Cli, image_id: str) -> dict:
    r = gl("image-show", image_id)
    assert r.rc == 0, r
    return parse_props(r.out)


def test_stores_info_lists_the_backends(gl):
    r = gl("stores-info")
    assert r.rc == 0, r
    listed = json.loads(r.out) if r.out.lstrip().startswith("{") else None
    text = r.out
    for store in ("fast", "obj", "objects", "ceph", "web"):
        assert store in text, r
    if listed:
        ids = [s["id"] for s in listed["stores"]]
        assert ids == ["fast", "obj", "objects", "ceph", "web"]
    r = gl("stores-info", "--detail")
    assert r.rc == 0, r
    for driver in ('"s3"', '"swift"', '"rbd"', '"http"', '"file"'):
        assert driver in r.out, r
    assert "s3_store_large_object_chunk_size" in r.out and '"pool"' in r.out, r


@pytest.mark.parametrize("store", ["obj", "objects", "ceph", "fast"])
def test_glanceclient_uploads_to_each_store_and_downloads(gl, image_file, workdir, store):
    props = create(gl, image_file, "--store", store)
    assert props["status"] == "active"
    assert props["stores"] == store
    assert props["os_hash_value"] == digest(image_file, "sha512")
    out = workdir / f"down-{store}.raw"
    r = gl("image-download", "--file", str(out), props["id"])
    assert r.rc == 0, r
    assert out.read_bytes() == image_file.read_bytes()
    if store == "ceph":
        assert props["direct_url"].startswith("rbd://") and props["direct_url"].endswith("/snap")
    r = gl("image-delete", props["id"])
    assert r.rc == 0, r


def test_openstackclient_uses_the_default_backend(osc, image_file, workdir):
    name = f"osc-{uuid.uuid4().hex[:6]}"
    r = osc("image", "create", "--disk-format", "raw", "--container-format", "bare", "--file", str(image_file),
            "-f", "json", name)
    assert r.rc == 0, r
    image = json.loads(r.out)
    out = workdir / "osc-down.raw"
    r = osc("image", "save", "--file", str(out), image["id"])
    assert r.rc == 0, r
    assert out.read_bytes() == image_file.read_bytes()
    r = osc("image", "show", "-f", "json", image["id"])
    assert r.rc == 0, r
    shown = json.loads(r.out)
    stores = shown.get("stores") or shown.get("properties", {}).get("stores")
    assert stores == "obj", shown
    assert osc("image", "delete", image["id"]).rc == 0


def test_a_second_location_is_added_then_dropped_per_store(gl, image_file, web, workdir):
    props = create(gl, image_file, "--store", "objects")
    image_id = props["id"]
    r = gl("location-add", "--url", web, "--metadata", "{}", image_id)
    assert r.rc == 0, r
    shown = show(gl, image_id)
    assert shown["stores"] == "objects,web"
    # Dropping the web copy forgets the location (the web server keeps its file); Swift's copy stays.
    r = gl("stores-delete", "--store", "web", image_id)
    assert r.rc == 0, r
    assert show(gl, image_id)["stores"] == "objects"
    r = gl("stores-delete", "--store", "objects", image_id)
    assert r.rc != 0
    assert "only store containing it" in (r.err + r.out), r
    out = workdir / "after-drop.raw"
    assert gl("image-download", "--file", str(out), image_id).rc == 0
    assert out.read_bytes() == image_file.read_bytes()
    assert gl("image-delete", image_id).rc == 0


def test_add_location_imports_an_http_image(gl, image_file, web, workdir):
    r = gl("image-create", "--name", "by-location", "--disk-format", "raw", "--container-format", "bare")
    assert r.rc == 0, r
    image_id = parse_props(r.out)["id"]
    validation = json.dumps({"os_hash_algo": "sha512", "os_hash_value": digest(image_file, "sha512")})
    r = gl("add-location", "--url", web, "--validation-data", validation, image_id)
    assert r.rc == 0, r
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = show(gl, image_id)
        if shown["status"] != "importing":
            break
        time.sleep(0.2)
    assert shown["status"] == "active", shown
    assert int(shown["size"]) == image_file.stat().st_size
    assert shown["checksum"] == digest(image_file, "md5")
    out = workdir / "by-location.raw"
    assert gl("image-download", "--file", str(out), image_id).rc == 0
    assert out.read_bytes() == image_file.read_bytes()
    assert gl("image-delete", image_id).rc == 0
    # The web server's file is untouched (the http store is read-only).
    assert image_file.exists()


def test_list_shows_images_of_every_store(gl, image_file):
    ids = [create(gl, image_file, "--store", store)["id"] for store in ("obj", "ceph")]
    r = gl("image-list")
    assert r.rc == 0, r
    listed = {row[0] for row in parse_table(r.out)}
    assert set(ids) <= listed
    for image_id in ids:
        assert gl("image-delete", image_id).rc == 0
