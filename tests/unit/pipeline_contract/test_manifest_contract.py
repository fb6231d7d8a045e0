"""pipeline_contract.manifest: strict load, content-only bytes, the one stale-zip check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_contract.artifact_hash import filebase64sha256
from pipeline_contract.errors import ManifestError
from pipeline_contract.manifest import (
    ENTRY_FIELDS,
    FORMAT_VERSION,
    Artifact,
    Manifest,
    ZipState,
    dumps,
    load,
    write,
    zip_state,
)

from tests.terraform.fixture_manifest import committed


def artifact(name: str, kind: str = "function", **changes: object) -> Artifact:
    base = Artifact(
        name=name, kind=kind, path=f"dist/{name}.zip", source_code_hash="A" * 43 + "=", zipped_bytes=10,
        unzipped_bytes=20, runtime="python3.12", architecture="x86_64",
        handler="app.handler" if kind == "function" else None, layers=("common",) if kind == "function" else (),
        aws_services=("sqs",) if kind == "function" else (), upload_via_s3=False,
    )
    return base._replace(**changes)


SAMPLE = Manifest.of([artifact("f"), artifact("common", "layer")])


def entry_json(**changes: object) -> dict[str, object]:
    return {**artifact("f").entry(), **changes}


def test_load_reads_back_what_write_wrote(tmp_path: Path) -> None:
    path = tmp_path / "dist" / "manifest.json"
    write(path, SAMPLE)
    loaded = load(path)
    assert loaded.artifacts == SAMPLE.artifacts
    assert loaded.root == tmp_path.resolve()
    assert loaded.zip_path(loaded.artifacts["f"]) == tmp_path.resolve() / "dist" / "f.zip"


def test_bytes_depend_only_on_content() -> None:
    """Artifacts in any order, entries with keys in any order (as a build state keeps them): the same bytes."""
    shuffled = Manifest.of([artifact("common", "layer"), artifact("f")])
    assert dumps(shuffled) == dumps(SAMPLE)
    body = json.loads(dumps(SAMPLE))
    assert list(body) == ["format_version", "artifacts"]
    assert list(body["artifacts"]) == ["common", "f"]
    assert all(list(entry) == list(ENTRY_FIELDS) for entry in body["artifacts"].values())


def test_the_same_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="two artifacts named 'f'"):
        Manifest.of([artifact("f"), artifact("f", zipped_bytes=11)])


def _bad(tmp_path: Path, body: object | str) -> str:
    path = tmp_path / "manifest.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    with pytest.raises(ManifestError) as raised:
        load(path)
    message = str(raised.value)
    assert len(message.splitlines()) == 1 and str(path) in message and message.endswith("run `make build`"), message
    return message


@pytest.mark.parametrize(("body", "problem"), [
    ("{not json", "is not JSON"),
    ([], "is not a JSON object"),
    ({"format_version": FORMAT_VERSION + 1, "artifacts": {}}, f"is not format_version {FORMAT_VERSION}"),
    ({"artifacts": {}}, f"is not format_version {FORMAT_VERSION}"),
    ({"format_version": FORMAT_VERSION, "artifacts": {}, "built_by": "me"}, "unknown field 'built_by'"),
    ({"format_version": FORMAT_VERSION}, "has no 'artifacts' object"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": []}}, "artifact 'f' is not a JSON object"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": entry_json(zip="x")}}, "artifact 'f' has unknown field 'zip'"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": {k: v for k, v in entry_json().items() if k != "runtime"}}},
     "artifact 'f' has no valid 'runtime' (expected a string)"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": entry_json(zipped_bytes=True)}},
     "artifact 'f' has no valid 'zipped_bytes' (expected an integer)"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": entry_json(upload_via_s3=0)}},
     "artifact 'f' has no valid 'upload_via_s3' (expected true or false)"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": entry_json(layers=["a", 1])}},
     "artifact 'f' has no valid 'layers' (expected a list of strings)"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": entry_json(handler=3)}},
     "artifact 'f' has no valid 'handler' (expected a string or null)"),
    ({"format_version": FORMAT_VERSION, "artifacts": {"f": entry_json(kind="image")}}, "artifact 'f' has kind 'image'"),
])
def test_a_manifest_that_breaks_the_contract_is_one_line_with_the_fix(tmp_path: Path, body: object, problem: str) -> None:
    assert problem in _bad(tmp_path, body)


def test_a_missing_manifest_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"manifest .*absent\.json not found: run `make build`$"):
        load(tmp_path / "absent.json")


def test_zip_state_is_current_missing_or_changed(tmp_path: Path) -> None:
    zip_path = tmp_path / "f.zip"
    zip_path.write_bytes(b"zip")
    built = artifact("f", source_code_hash=filebase64sha256(zip_path))
    assert zip_state(zip_path, built) is ZipState.CURRENT
    zip_path.write_bytes(b"rebuilt")
    assert zip_state(zip_path, built) is ZipState.CHANGED
    zip_path.unlink()
    assert zip_state(zip_path, built) is ZipState.MISSING


@pytest.mark.parametrize(("path", "manifest"), list(committed().items()), ids=lambda v: getattr(v, "name", ""))
def test_committed_terraform_fixture_manifest_is_the_contracts_output(path: Path, manifest: Manifest) -> None:
    """tests/terraform/fixtures/manifest*.json are read by `terraform test`; each must be what the contract writes."""
    assert path.read_bytes() == dumps(manifest), (
        f"{path} differs from the contract's output: run `.venv/bin/python -m tests.terraform.fixture_manifest`")
