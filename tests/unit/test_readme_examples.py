"""The HCL examples of the documentation call the modules with inputs and outputs they really have."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import REPO_ROOT
from terraform_tools import readme_examples

SOURCE = "git::https://example.com/kinesis-lambda-pipelines.git//modules/kinesis-event-source?ref=v0.1.0"


def _repo(tmp_path: Path, readme: str) -> Path:
    """A repository with the real kinesis-event-source interface and one README that calls it."""
    module = tmp_path / "modules" / "kinesis-event-source"
    module.mkdir(parents=True, exist_ok=True)
    for name in ("variables.tf", "outputs.tf"):
        shutil.copy(REPO_ROOT / "modules" / "kinesis-event-source" / name, module / name)
    (tmp_path / "README.md").write_text(readme)
    return tmp_path


def _example(body: str, source: str = SOURCE) -> str:
    return f'# consumer\n\nText.\n\n```hcl\nmodule "mapping" {{\n  source = "{source}"\n\n{body}\n}}\n```\n'


VALID = '''  function_name              = module.processor.function_name
  stream_arn                 = module.stream.stream_arn
  on_failure_destination_arn = aws_sqs_queue.failed.arn'''


def test_repository_documents_call_modules_as_declared() -> None:
    assert readme_examples.check(REPO_ROOT) == []


def test_valid_example_passes(tmp_path: Path) -> None:
    assert readme_examples.check(_repo(tmp_path, _example(VALID))) == []


def test_input_the_module_does_not_declare_is_named(tmp_path: Path) -> None:
    """What kinesis-stream's README once told users: kinesis-event-source has no event_source_arn input."""
    body = VALID.replace("stream_arn                 = module.stream.stream_arn",
                         "event_source_arn           = module.stream.event_source_arn")
    problems = readme_examples.check(_repo(tmp_path, _example(body)))
    assert problems == [
        'README.md:5: module "mapping" passes event_source_arn, which modules/kinesis-event-source does not declare; '
        "see its variables.tf",
        'README.md:5: module "mapping" omits stream_arn, which modules/kinesis-event-source requires',
    ]


def test_output_the_module_does_not_have_is_named(tmp_path: Path) -> None:
    readme = _example(VALID) + '\n```hcl\nlocals {\n  statements = module.mapping.policy_statements\n}\n```\n'
    problems = readme_examples.check(_repo(tmp_path, readme))
    assert problems == ["README.md: module.mapping.policy_statements is not an output of modules/kinesis-event-source; "
                        "see its outputs.tf"]
    assert readme_examples.check(_repo(tmp_path, readme.replace("policy_statements", "iam_statements"))) == []


def test_local_source_is_resolved_from_the_document(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "# root\n")
    example = repo / "modules" / "kinesis-event-source" / "examples" / "basic"
    example.mkdir(parents=True)
    (example / "README.md").write_text(_example(VALID.replace("stream_arn ", "stream_name"), source="../.."))
    problems = readme_examples.check(repo)
    assert len(problems) == 2 and all(p.startswith("modules/kinesis-event-source/examples/basic/README.md:5:") for p in problems)


def test_sources_outside_the_repository_are_not_checked(tmp_path: Path) -> None:
    readme = _example("  anything = true", source="terraform-aws-modules/vpc/aws")
    assert readme_examples.check(_repo(tmp_path, readme)) == []


def test_example_that_does_not_parse_is_named(tmp_path: Path) -> None:
    problems = readme_examples.check(_repo(tmp_path, "# x\n\n```hcl\nmodule \"m\" {\n  source = \n```\n"))
    assert len(problems) == 1 and problems[0].startswith("README.md:3: the hcl example does not parse")


@pytest.mark.parametrize(("body", "code"), [(VALID, 0), (VALID + "\n  batch = 5", 1)])
def test_command_exits_nonzero_with_one_line_per_problem(tmp_path: Path, body: str, code: int) -> None:
    repo = _repo(tmp_path, _example(body))
    result = subprocess.run([sys.executable, "-m", "terraform_tools.readme_examples", "--root", str(repo)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == code
    assert ("passes batch, which" in result.stderr) == bool(code)


def test_module_that_reads_artifacts_must_be_shown_with_artifact_root(tmp_path: Path) -> None:
    """lambda-layer requires artifact_root (outside this repository nothing says where dist/ is): a copied example must set it."""
    module = tmp_path / "modules" / "lambda-layer"
    module.mkdir(parents=True)
    for name in ("variables.tf", "outputs.tf"):
        shutil.copy(REPO_ROOT / "modules" / "lambda-layer" / name, module / name)
    body = '  layer_name = "common"\n  artifact   = local.manifest.artifacts["common"]'
    readme = tmp_path / "README.md"
    readme.write_text(_example(body, source="git::https://example.com/x.git//modules/lambda-layer?ref=v1"))
    assert readme_examples.check(tmp_path) == [
        'README.md:5: module "mapping" omits artifact_root, which modules/lambda-layer requires',
    ]
    readme.write_text(_example(body + "\n  artifact_root = local.build_root", source="git::https://example.com/x.git//modules/lambda-layer?ref=v1"))
    assert readme_examples.check(tmp_path) == []
