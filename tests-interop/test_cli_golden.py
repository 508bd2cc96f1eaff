"""Golden comparison of our `glance` (crates/glance-cli) with python-glanceclient 4.13.0's.

Each case runs the same command line through both clients against the same glance-api (no-auth mode,
`--os-image-url` + `--os-auth-token`) and compares stdout, stderr and the exit code after normalising what
must differ between two runs: UUIDs, timestamps and request ids. A command that changes an image runs on two
identical images made for it, one per client.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

from conftest import Cli, Result, _find_binary, _tool

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


def our_glance() -> Path:
    return _find_binary().parent / "glance"


# glanceclient names the missing options from a Python set: their order changes from run to run.
MUST_PROVIDE = re.compile(r"Must provide (.+?) when using")


def normalise(text: str, names: dict[str, str]) -> str:
    for real, alias in names.items():
        text = text.replace(real, alias)
    text = UUID.sub("<UUID>", text)
    text = MUST_PROVIDE.sub(lambda m: f"Must provide {', '.join(sorted(m.group(1).split(', ')))} when using", text)
    return TIMESTAMP.sub("<TIMESTAMP>", text)


class Pair:
    """Both clients, with private HOMEs, against one server."""

    def __init__(self, server, tmp_path_factory, workdir):
        self.server = server
        self.workdir = workdir
        common = ["--os-image-url", server.url, "--os-auth-token", "x"]
        self.upstream = Cli([_tool("glance")] + common, tmp_path_factory.mktemp("home-up"), workdir)
        self.ours = Cli([str(our_glance())] + common, tmp_path_factory.mktemp("home-ours"), workdir)

    def api(self, method: str, path: str, body=None, headers=None) -> dict | None:
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} | (headers or {})
        req = urllib.request.Request(self.server.url + path, data=data, method=method, headers=hdrs)
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
            return json.loads(text) if text else None

    def image(self, **fields) -> str:
        body = {"name": "golden", "disk_format": "raw", "container_format": "bare"} | fields
        return self.api("POST", "/v2/images", body)["id"]

    def upload(self, image_id: str, data: bytes) -> None:
        req = urllib.request.Request(
            f"{self.server.url}/v2/images/{image_id}/file", data=data, method="PUT",
            headers={"Content-Type": "application/octet-stream"})
        urllib.request.urlopen(req, timeout=30).read()

    def compare(self, up_args: list[str], our_args: list[str] | None = None, names: dict | None = None) -> Result:
        """Runs both; asserts identical normalised output and exit code; returns our result."""
        up = self.upstream(*up_args)
        ours = self.ours(*(our_args if our_args is not None else up_args))
        n = names or {}
        got = f"exit {ours.rc}\n--- stdout\n{normalise(ours.out, n)}--- stderr\n{normalise(ours.err, n)}"
        want = f"exit {up.rc}\n--- stdout\n{normalise(up.out, n)}--- stderr\n{normalise(up.err, n)}"
        if got != want:
            diff = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), "upstream", "ours",
                                                   lineterm=""))
            pytest.fail(f"outputs differ for {' '.join(up_args)}:\n{diff}", pytrace=False)
        return ours

    def compare_on_two(self, make, args_for, names: dict | None = None) -> Result:
        """Makes one object per client with `make()` and compares `args_for(id)` on each."""
        a, b = make(), make()
        return self.compare(args_for(a), args_for(b), names)


@pytest.fixture(scope="module")
def pair(glance_server, tmp_path_factory, workdir) -> Pair:
    if not our_glance().is_file():
        pytest.fail(f"{our_glance()} not built (cargo build --workspace)", pytrace=False)
    return Pair(glance_server, tmp_path_factory, workdir)


@pytest.fixture(scope="module")
def data_file(workdir) -> Path:
    p = workdir / "golden.raw"
    p.write_bytes(bytes(range(256)) * 4096)
    return p


# ------------------------------------------------------------------ images


def test_image_create_metadata_only(pair):
    pair.compare(["image-create", "--name", "g-meta", "--disk-format", "qcow2", "--container-format", "bare",
                  "--min-disk", "2", "--min-ram", "64", "--property", "hw_rng_model=virtio",
                  "--tags", "a", "b", "--protected", "False"])


def test_image_create_with_file(pair, data_file):
    pair.compare(["image-create", "--name", "g-file", "--disk-format", "raw", "--container-format", "bare",
                  "--file", str(data_file), "--progress"])


def test_image_create_file_without_formats(pair, data_file):
    r = pair.compare(["image-create", "--name", "g-bad", "--file", str(data_file)])
    assert r.rc == 1


def test_image_create_size_refused(pair, data_file):
    pair.compare(["image-create", "--name", "g-size", "--disk-format", "raw", "--container-format", "bare",
                  "--file", str(data_file), "--size", "10"])


def test_image_create_missing_file(pair):
    pair.compare(["image-create", "--name", "g-nofile", "--disk-format", "raw", "--container-format", "bare",
                  "--file", "/nonexistent/x.img"])


@pytest.mark.parametrize("args", [
    ["--visibility", "nope"],
    ["--disk-format", "floppy"],
    ["--id", "not-a-uuid"],
    ["--name", "n" * 300],
    ["--protected", "maybe"],
    ["--min-ram", "lots"],
])
def test_image_create_schema_violations(pair, args):
    r = pair.compare(["image-create", *args])
    assert r.rc != 0


def test_image_update_schema_violation(pair):
    i = pair.image(name="g-upd-bad")
    pair.compare(["image-update", "--container-format", "crate", i])


def test_image_show(pair, data_file):
    i = pair.image(name="g-show", description="x" * 150)
    pair.upload(i, data_file.read_bytes())
    pair.compare(["image-show", i])
    pair.compare(["image-show", "--human-readable", i])
    pair.compare(["image-show", "--max-column-width", "20", i])
    pair.compare(["image-show", "--max-column-width", "wide", i])


def test_image_show_missing(pair):
    r = pair.compare(["image-show", "00000000-0000-0000-0000-000000000000"])
    assert r.rc == 1 and "404" in r.err


@pytest.mark.parametrize("args", [
    [],
    ["--limit", "3"],
    ["--limit", "3", "--page-size", "1"],
    ["--sort-key", "name", "--sort-dir", "desc"],
    ["--sort", "name:desc,created_at"],
    ["--sort", "nope"],
    ["--property-filter", "golden_key=golden_value"],
    ["--property-filter", "broken"],
    ["--tag", "golden-tag"],
    ["--visibility", "shared"],
    ["--hidden"],
    ["--include-stores"],
    ["--owner", "nobody"],
])
def test_image_list(pair, args):
    if not getattr(test_image_list, "seeded", False):
        pair.image(name="g-list-1", golden_key="golden_value", tags=["golden-tag"])
        pair.image(name="g-list-2")
        test_image_list.seeded = True
    pair.compare(["image-list", *args])


def test_image_list_verbose(pair):
    pair.compare(["--verbose", "image-list", "--limit", "5"])


def test_image_update(pair):
    pair.compare_on_two(
        lambda: pair.image(name="g-upd", kept="1", dropped="2"),
        lambda i: ["image-update", "--name", "g-upd-2", "--property", "added=3", "--property", "kept=4",
                   "--remove-property", "dropped", "--remove-property", "absent", "--min-ram", "128", i])


def test_image_update_missing(pair):
    pair.compare(["image-update", "--name", "x", "00000000-0000-0000-0000-000000000000"])


def test_image_delete_several(pair):
    r = pair.compare_on_two(
        lambda: pair.image(name="g-del"),
        lambda i: ["image-delete", i, "00000000-0000-0000-0000-000000000000"])
    assert r.rc == 1


def test_image_delete_protected(pair):
    pair.compare_on_two(lambda: pair.image(name="g-prot", protected=True), lambda i: ["image-delete", i])


def test_deactivate_reactivate(pair, data_file):
    def make():
        i = pair.image(name="g-deact")
        pair.upload(i, b"abc")
        return i
    pair.compare_on_two(make, lambda i: ["image-deactivate", i])
    pair.compare_on_two(make, lambda i: ["image-reactivate", i])
    pair.compare(["image-deactivate", "00000000-0000-0000-0000-000000000000"])


def test_tags(pair):
    pair.compare_on_two(lambda: pair.image(name="g-tag", tags=["old"]), lambda i: ["image-tag-update", i, "new"])
    pair.compare_on_two(lambda: pair.image(name="g-tag", tags=["old"]), lambda i: ["image-tag-delete", i, "old"])
    pair.compare_on_two(lambda: pair.image(name="g-tag"), lambda i: ["image-tag-delete", i, "absent"])


def test_image_upload_and_download(pair, data_file, workdir):
    pair.compare_on_two(lambda: pair.image(name="g-up"),
                        lambda i: ["image-upload", "--file", str(data_file), "--progress", i])
    i = pair.image(name="g-down")
    pair.upload(i, data_file.read_bytes())
    out_up, out_ours = workdir / "down-up.raw", workdir / "down-ours.raw"
    pair.compare(["image-download", "--file", str(out_up), i], ["image-download", "--file", str(out_ours), i])
    assert out_up.read_bytes() == out_ours.read_bytes() == data_file.read_bytes()


def test_image_download_without_data(pair):
    r = pair.compare_on_two(lambda: pair.image(name="g-empty"), lambda i: ["image-download", "--file", "/dev/null", i])
    assert r.rc == 1


def test_image_upload_to_active_image(pair, data_file):
    def make():
        i = pair.image(name="g-twice")
        pair.upload(i, b"abc")
        return i
    pair.compare_on_two(make, lambda i: ["image-upload", "--file", str(data_file), i])


# ------------------------------------------------------------------ members


def test_members(pair):
    def shared():
        return pair.image(name="g-share", visibility="shared")
    pair.compare_on_two(shared, lambda i: ["member-create", i, "golden-project"])
    i = shared()
    pair.api("POST", f"/v2/images/{i}/members", {"member": "golden-project"})
    pair.compare(["member-list", "--image-id", i])
    pair.compare(["member-get", i, "golden-project"])
    pair.compare(["member-get", i, "nobody"])

    def with_member():
        i = shared()
        pair.api("POST", f"/v2/images/{i}/members", {"member": "golden-project"})
        return i
    pair.compare_on_two(with_member, lambda i: ["member-update", i, "golden-project", "accepted"])
    pair.compare_on_two(with_member, lambda i: ["member-delete", i, "golden-project"])


# ------------------------------------------------------------------ info, stores, tasks, cache, locations


@pytest.mark.parametrize("args", [
    ["import-info"],
    ["stores-info"],
    ["stores-info", "--detail"],
    ["usage"],
    ["task-list"],
    ["task-show", "00000000-0000-0000-0000-000000000000"],
    ["cache-list"],
    ["explain", "image"],
    ["explain", "nosuch"],
])
def test_info(pair, args):
    pair.compare(args)


def test_locations(pair):
    pair.compare_on_two(lambda: pair.image(name="g-loc"),
                        lambda i: ["location-add", "--url", "http://127.0.0.1:1/x.img", i])
    pair.compare_on_two(lambda: pair.image(name="g-loc"),
                        lambda i: ["location-delete", "--url", "http://127.0.0.1:1/x.img", i])
    pair.compare_on_two(lambda: pair.image(name="g-loc"),
                        lambda i: ["location-add", "--url", "x", "--metadata", "not json", i])


# ------------------------------------------------------------------ usage errors


@pytest.mark.parametrize("args", [
    ["image-show"],
    ["image-list", "--sort-key", "bogus"],
    ["image-list", "--limit", "many"],
    ["member-update", "i", "m", "maybe"],
    ["help", "nosuch"],
])
def test_usage_errors(pair, args):
    pair.compare(args)


def test_unknown_subcommand(pair):
    """Upstream also lists its metadata-definition (md-*) commands, which we do not have yet; the rest matches."""
    up, ours = pair.upstream("nosuch"), pair.ours("nosuch")
    assert ours.rc == up.rc == 2, ours
    ours_choices = re.search(r"choose from (.*)\)$", ours.err.strip()).group(1).split(", ")
    up_choices = re.search(r"choose from (.*)\)$", up.err.strip()).group(1).split(", ")
    assert set(ours_choices) == {c for c in up_choices if not c.startswith("'md-") and c != "'bash_completion'"}


# ------------------------------------------------------------------ help


def help_outline(text: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """The usage block, then each section's title with its option/argument invocations (help texts are
    our own words, so they are left out)."""
    usage, _, rest = text.partition("\n\n")
    sections: list[tuple[str, list[str]]] = []
    for line in rest.splitlines():
        if re.match(r"^[A-Z][A-Za-z ]+:$", line):
            sections.append((line, []))
        elif sections and re.match(r"^  {1,3}\S", line) and (line.lstrip().startswith(("-", "<")) or
                                                           sections[-1][0] == "Positional arguments:"):
            sections[-1][1].append(re.split(r"\s{2,}", line.strip())[0])
    return usage, sections


@pytest.mark.parametrize("command", [
    None, "image-create", "image-update", "image-list", "image-show", "image-download", "image-upload",
    "image-import", "image-create-via-import", "member-update", "member-list", "location-add", "stores-delete",
    "task-list", "cache-clear",
])
def test_help_reads_like_upstream(pair, command):
    # Both clients have cached the server's image schema by now (earlier tests ran commands).
    pair.upstream("image-list")
    pair.ours("image-list")
    args = ["help"] + ([command] if command else [])
    up, ours = pair.upstream(*args), pair.ours(*args)
    assert ours.rc == up.rc == 0, ours
    up_usage, up_sections = help_outline(up.out)
    our_usage, our_sections = help_outline(ours.out)
    assert our_usage == up_usage
    extensions = {"-f <FORMAT>, --format <FORMAT>", "--os-cloud <name>"}
    ours_clean = [(t, [i for i in items if i not in extensions]) for t, items in our_sections]
    if command is None:
        # upstream also lists its metadata-definition commands (md-*), not built yet
        up_sections = [(t, [i for i in items if not i.startswith("md-")]) for t, items in up_sections]
    assert ours_clean == up_sections


# ------------------------------------------------------------------ Ctrl-C


def test_ctrl_c_during_upload_stops_cleanly(pair):
    """SIGINT while an upload streams from stdin: both clients print `... terminating glance client` and exit
    130; the image goes back to `queued` with no data."""
    import signal
    import subprocess
    import time

    outcomes = []
    for cli in (pair.upstream, pair.ours):
        image = pair.image(name="g-ctrl-c")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")} | {"HOME": str(cli.home)}
        proc = subprocess.Popen(cli.argv0 + ["image-upload", image], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=False)
        proc.stdin.write(b"x" * (1 << 20))
        proc.stdin.flush()
        deadline = time.monotonic() + 20
        while pair.api("GET", f"/v2/images/{image}")["status"] != "saving" and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the client did not stop on SIGINT")
        for _ in range(100):
            shown = pair.api("GET", f"/v2/images/{image}")
            if shown["status"] == "queued":
                break
            time.sleep(0.05)
        outcomes.append((proc.returncode, err.decode().strip().splitlines()[-1:], shown["status"], shown["size"]))
    assert outcomes[1] == outcomes[0] == (130, ["... terminating glance client"], "queued", None), outcomes


# ------------------------------------------------------------------ the rest of the commands


def test_import_workflow_commands(pair, data_file):
    pair.compare_on_two(lambda: pair.image(name="g-stage"),
                        lambda i: ["image-stage", "--file", str(data_file), i])
    pair.compare_on_two(lambda: pair.image(name="g-import"), lambda i: ["image-import", i])
    pair.compare_on_two(lambda: pair.image(name="g-import"),
                        lambda i: ["image-import", "--import-method", "web-download", i])
    pair.compare(["image-create-via-import", "--name", "g-via", "--disk-format", "raw", "--container-format",
                  "bare"])
    pair.compare(["image-create-via-import", "--name", "g-via", "--disk-format", "raw", "--container-format",
                  "bare", "--import-method", "copy-image"])
    pair.compare(["image-create-via-import", "--name", "g-via", "--uri", "http://127.0.0.1:1/x"])


@pytest.mark.parametrize("args", [
    ["cache-queue", "00000000-0000-0000-0000-000000000000"],
    ["cache-delete", "00000000-0000-0000-0000-000000000000"],
    ["cache-clear"],
    ["cache-clear", "--target", "queue"],
    ["cache-clean"],
    ["cache-prune"],
    ["cache-nodes-list", "00000000-0000-0000-0000-000000000000"],
    ["task-create", "--type", "import", "--input", "{}"],
    ["task-create", "--type", "import", "--input", "not json"],
    ["task-create"],
    ["image-tasks", "00000000-0000-0000-0000-000000000000"],
    ["stores-delete", "--store", "fast", "00000000-0000-0000-0000-000000000000"],
    ["member-create", "00000000-0000-0000-0000-000000000000", "p"],
    ["member-list", "--image-id", "00000000-0000-0000-0000-000000000000"],
])
def test_more_commands(pair, args):
    pair.compare(args)


def test_location_commands(pair):
    pair.compare_on_two(lambda: pair.image(name="g-loc"),
                        lambda i: ["location-update", "--url", "http://127.0.0.1:1/x.img", i])
    pair.compare_on_two(lambda: pair.image(name="g-loc"),
                        lambda i: ["add-location", "--url", "http://127.0.0.1:1/x.img", i])
    pair.compare_on_two(lambda: pair.image(name="g-loc"),
                        lambda i: ["add-location", "--url", "x", "--validation-data", '{"bogus": 1}', i])


def test_output_formats(pair):
    """`-f` (ours alone): JSON, YAML and value renderings of the same image."""
    i = pair.image(name="g-format", tags=["t1"])
    r = pair.ours("image-show", "-f", "json", i)
    assert r.rc == 0 and json.loads(r.out)["tags"] == ["t1"], r
    r = pair.ours("image-show", "-f", "yaml", i)
    assert r.rc == 0 and "name: g-format" in r.out, r
    r = pair.ours("image-list", "-f", "value", "--limit", "1000")
    assert r.rc == 0 and f"{i} g-format" in r.out.splitlines(), r
    r = pair.ours("image-list", "-f", "xml")
    assert r.rc == 2 and "invalid choice: 'xml'" in r.err, r


def test_bash_completion(pair):
    up, ours = pair.upstream("bash-completion"), pair.ours("bash-completion")
    assert ours.rc == up.rc == 0
    up_words = {w for w in up.out.split() if not w.startswith("md-")}
    # upstream also offers its md-* options; every other word must be there
    missing = {w for w in up_words - set(ours.out.split()) if not w.startswith("--") or w in {
        "--name", "--file", "--progress", "--property", "--visibility", "--limit", "--sort-key"}}
    assert not missing, missing
