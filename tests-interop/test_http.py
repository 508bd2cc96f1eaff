"""Raw-HTTP checks (stdlib only) of wire behaviour the clients depend on (reference: glance-api.md §0.1, §1)."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import uuid
from urllib.parse import urlsplit

import pytest

REQ_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Http:
    def __init__(self, url):
        u = urlsplit(url)
        self.host, self.port = u.hostname, u.port

    def request(self, method, path, body=None, headers=None, chunks=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            headers = dict(headers or {})
            if chunks is not None:
                conn.putrequest(method, path)
                headers["Transfer-Encoding"] = "chunked"
                for k, v in headers.items():
                    conn.putheader(k, v)
                conn.endheaders()
                for c in chunks:
                    conn.send(b"%x\r\n%s\r\n" % (len(c), c))
                conn.send(b"0\r\n\r\n")
            else:
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                    headers.setdefault("Content-Type", "application/json")
                conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()


@pytest.fixture(scope="module")
def api(glance_server):
    return Http(glance_server.url)


def test_root_is_300_versions_with_current(api):
    status, headers, body = api.request("GET", "/")
    assert status == 300, body
    assert headers.get("content-type", "").startswith("application/json"), headers
    doc = json.loads(body)
    versions = doc["versions"]
    current = [v for v in versions if v["status"] == "CURRENT"]
    assert len(current) == 1, doc
    for v in versions:
        assert {"id", "status", "links"} <= set(v), v
        assert v["id"].startswith("v2."), v
        assert any(link["rel"] == "self" and link["href"].endswith("/v2/") for link in v["links"]), v
    assert "x-openstack-request-id" not in headers, headers


def test_versions_is_200(api):
    status, _, body = api.request("GET", "/versions")
    assert status == 200, body
    assert any(v["status"] == "CURRENT" for v in json.loads(body)["versions"]), body


def test_healthcheck(api):
    status, _, body = api.request("GET", "/healthcheck")
    assert status == 200, body
    assert body.strip() == b"OK", body


def test_request_id_on_v2_success_and_error(api):
    status, headers, body = api.request("GET", "/v2/images")
    assert status == 200, body
    assert REQ_ID.match(headers.get("x-openstack-request-id", "")), headers
    assert headers.get("content-type") == "application/json", headers
    status, headers, body = api.request("GET", f"/v2/images/{uuid.uuid4()}")
    assert status == 404, body
    assert REQ_ID.match(headers.get("x-openstack-request-id", "")), headers


def test_request_id_echoed(api):
    rid = "req-" + str(uuid.uuid4())
    _, headers, _ = api.request("GET", "/v2/images", headers={"X-Openstack-Request-ID": rid})
    assert headers.get("x-openstack-request-id") == rid, headers


def test_list_shape(api):
    status, _, body = api.request("GET", "/v2/images?limit=1")
    assert status == 200, body
    doc = json.loads(body)
    assert isinstance(doc["images"], list), doc
    assert doc["first"].startswith("/v2/images"), doc
    assert doc["schema"] == "/v2/schemas/images", doc


def test_404_json_error_body(api):
    iid = str(uuid.uuid4())
    status, headers, body = api.request("GET", f"/v2/images/{iid}", headers={"Accept": "application/json"})
    assert status == 404, body
    doc = json.loads(body)
    assert doc["code"] == "404 Not Found" and doc["title"] == "Not Found", doc
    assert f"No image found with ID {iid}" in doc["message"], doc


def test_create_201_location_and_chunked_upload_with_image_size(api):
    data = b"glance-rs interop " * 10000  # 180,000 bytes
    status, headers, body = api.request(
        "POST", "/v2/images", body={"name": "chunked", "disk_format": "raw", "container_format": "bare"}
    )
    assert status == 201, body
    img = json.loads(body)
    iid = img["id"]
    assert img["status"] == "queued", img
    assert headers.get("location", "").endswith(f"/v2/images/{iid}"), headers
    assert headers["location"].startswith("http://"), headers
    try:
        chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)]
        status, headers, body = api.request(
            "PUT", f"/v2/images/{iid}/file", chunks=chunks,
            headers={"Content-Type": "application/octet-stream", "x-openstack-image-size": str(len(data))},
        )
        assert status == 204, body
        assert REQ_ID.match(headers.get("x-openstack-request-id", "")), headers
        status, _, body = api.request("GET", f"/v2/images/{iid}")
        img = json.loads(body)
        assert img["status"] == "active", img
        assert img["size"] == len(data), img
        assert img["checksum"] == hashlib.md5(data).hexdigest(), img
        assert img["os_hash_algo"] == "sha512", img
        assert img["os_hash_value"] == hashlib.sha512(data).hexdigest(), img
        status, headers, body = api.request("GET", f"/v2/images/{iid}/file")
        assert status == 200, headers
        assert body == data
        assert headers.get("content-type") == "application/octet-stream", headers
        assert headers.get("content-md5") == hashlib.md5(data).hexdigest(), headers
        assert headers.get("content-length") == str(len(data)), headers
        status, headers, body = api.request("GET", f"/v2/images/{iid}/file", headers={"Range": "bytes=0-9"})
        assert status == 206, headers
        assert body == data[:10]
        assert headers.get("content-range") == f"bytes 0-9/{len(data)}", headers
    finally:
        api.request("DELETE", f"/v2/images/{iid}")


def test_chunked_upload_size_mismatch_is_400_and_back_to_queued(api):
    status, _, body = api.request("POST", "/v2/images", body={"disk_format": "raw", "container_format": "bare"})
    assert status == 201, body
    iid = json.loads(body)["id"]
    try:
        status, _, body = api.request(
            "PUT", f"/v2/images/{iid}/file", chunks=[b"x" * 100],
            headers={"Content-Type": "application/octet-stream", "x-openstack-image-size": "5"},
        )
        assert status == 400, body
        status, _, body = api.request("GET", f"/v2/images/{iid}")
        assert json.loads(body)["status"] == "queued", body
    finally:
        api.request("DELETE", f"/v2/images/{iid}")


def test_upload_wrong_content_type_is_415(api):
    status, _, body = api.request("POST", "/v2/images", body={"disk_format": "raw", "container_format": "bare"})
    assert status == 201, body
    iid = json.loads(body)["id"]
    try:
        status, _, body = api.request(
            "PUT", f"/v2/images/{iid}/file", body=b"abc", headers={"Content-Type": "text/plain"}
        )
        assert status == 415, body
    finally:
        api.request("DELETE", f"/v2/images/{iid}")


def test_patch_wrong_media_type_is_415(api):
    status, _, body = api.request("POST", "/v2/images", body={"name": "p"})
    assert status == 201, body
    iid = json.loads(body)["id"]
    try:
        status, headers, body = api.request(
            "PATCH", f"/v2/images/{iid}", body=b'[{"op":"replace","path":"/name","value":"q"}]',
            headers={"Content-Type": "application/json"},
        )
        assert status == 415, body
    finally:
        api.request("DELETE", f"/v2/images/{iid}")


def test_wrong_method_is_405_with_allow(api):
    status, headers, _ = api.request("PUT", "/v2/images", body=b"{}")
    assert status == 405
    allow = {m.strip() for m in headers.get("allow", "").split(",")}
    assert {"GET", "POST"} <= allow, headers


def test_delete_is_204_then_404(api):
    status, _, body = api.request("POST", "/v2/images", body={"name": "gone"})
    assert status == 201, body
    iid = json.loads(body)["id"]
    status, _, body = api.request("DELETE", f"/v2/images/{iid}")
    assert status == 204, body
    status, _, _ = api.request("DELETE", f"/v2/images/{iid}")
    assert status == 404
    status, _, _ = api.request("GET", f"/v2/images/{iid}")
    assert status == 404
