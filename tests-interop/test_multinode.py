"""Two glance-api processes (the real binary, twice) on one PostgreSQL schema and one file store directory,
with many concurrent clients racing uploads, property updates, tags and deletes of the same images through both.
Afterwards every image must be consistent: one upload won, its bytes are on disk with matching size and hashes,
no update was lost, deleted images have no bytes, and the store holds nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import running_server

PG_URL = os.environ.get("GLANCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IMAGES = 12
UPLOADS_PER_IMAGE = 4
DELETED = 3


def call(base: str, method: str, path: str, body=None, data: bytes | None = None,
         content_type: str = "application/json") -> tuple[int, bytes]:
    payload = data if data is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=payload, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    if subprocess.run(["psql", PG_URL, "-qc", "select 1"], capture_output=True).returncode != 0:
        pytest.fail(f"PostgreSQL at {PG_URL} must be reachable", pytrace=False)
    schema = f"multinode_{uuid.uuid4().hex}"
    subprocess.run(["psql", PG_URL, "-qc", f"create schema {schema}"], check=True, capture_output=True)
    store = tmp_path_factory.mktemp("shared-store")
    sep = "&" if "?" in PG_URL else "?"
    sections = (f"[database]\nconnection = {PG_URL}{sep}schema={schema}\n"
                f"[glance_store]\nfilesystem_store_datadir = {store}\n")
    try:
        with contextlib.ExitStack() as stack:
            a = stack.enter_context(running_server(tmp_path_factory, "auth_strategy = noauth\n", sections))
            b = stack.enter_context(running_server(tmp_path_factory, "auth_strategy = noauth\n", sections))
            yield a.url, b.url, store
    finally:
        subprocess.run(["psql", PG_URL, "-qc", f"drop schema {schema} cascade"], capture_output=True)


def test_two_nodes_race_and_stay_consistent(nodes):
    a, b, store = nodes
    both = (a, b)
    ids = []
    for n in range(IMAGES):
        status, body = call(both[n % 2], "POST", "/v2/images",
                            {"name": f"race-{n}", "disk_format": "raw", "container_format": "bare"})
        assert status == 201, body
        ids.append(json.loads(body)["id"])
    doomed = set(ids[:DELETED])
    payloads = {(i, k): os.urandom(64 * 1024 + 7 * k) for i in ids for k in range(UPLOADS_PER_IMAGE)}

    def upload(i: str, k: int) -> tuple[str, int, int]:
        status, _ = call(both[k % 2], "PUT", f"/v2/images/{i}/file", data=payloads[(i, k)],
                         content_type="application/octet-stream")
        return i, k, status

    def patch(i: str, k: int) -> int:
        ops = [{"op": "add", "path": f"/p{k}", "value": f"v{k}"}]
        status, _ = call(both[k % 2], "PATCH", f"/v2/images/{i}", data=json.dumps(ops).encode(),
                         content_type="application/openstack-images-v2.1-json-patch")
        return status

    def tag(i: str, k: int) -> int:
        return call(both[(k + 1) % 2], "PUT", f"/v2/images/{i}/tags/t{k}")[0]

    def delete(i: str) -> int:
        return call(b, "DELETE", f"/v2/images/{i}")[0]

    with ThreadPoolExecutor(max_workers=32) as pool:
        uploads = [pool.submit(upload, i, k) for i in ids for k in range(UPLOADS_PER_IMAGE)]
        patches = {(i, k): pool.submit(patch, i, k) for i in ids if i not in doomed for k in range(6)}
        tags = {(i, k): pool.submit(tag, i, k) for i in ids if i not in doomed for k in range(6)}
        deletes = [pool.submit(delete, i) for i in doomed]
        upload_results = [f.result() for f in uploads]
        assert all(f.result() == 204 for f in deletes)
        assert all(f.result() == 200 for f in patches.values()), [f.result() for f in patches.values()]
        assert all(f.result() == 204 for f in tags.values()), [f.result() for f in tags.values()]

    files = {p.name for p in store.iterdir() if not p.name.startswith(".")}
    for i in ids:
        shown = [call(node, "GET", f"/v2/images/{i}") for node in both]
        if i in doomed:
            assert [s for s, _ in shown] == [404, 404], shown
            assert i not in files, f"bytes left for deleted image {i}"
            continue
        assert shown[0] == shown[1], f"the nodes disagree on {i}"
        image = json.loads(shown[0][1])
        winners = [k for (j, k, s) in upload_results if j == i and s == 204]
        losers = [s for (j, k, s) in upload_results if j == i and s != 204]
        assert len(winners) == 1, (i, winners, losers)
        assert set(losers) <= {409}, losers
        data = payloads[(i, winners[0])]
        assert image["status"] == "active", image
        assert image["size"] == len(data)
        assert image["checksum"] == hashlib.md5(data).hexdigest()
        assert image["os_hash_value"] == hashlib.sha512(data).hexdigest()
        assert (store / i).read_bytes() == data
        assert all(image.get(f"p{k}") == f"v{k}" for k in range(6)), image
        assert sorted(image["tags"]) == sorted(f"t{k}" for k in range(6)), image
    active = {i for i in ids if i not in doomed}
    assert files == active, f"the store holds {sorted(files - active)} beyond the active images"
