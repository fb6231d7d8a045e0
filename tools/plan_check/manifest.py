"""Which manifest artifact a planned resource deploys: the plan checker's one question about dist/manifest.json.

The model and its strict reader are pipeline_contract.manifest's; this only matches Terraform's
`filename`/S3 key values (absolute, relative, or staged elsewhere) to an entry's path.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from pipeline_contract.manifest import Artifact, Manifest


def for_zip(manifest: Manifest, filename: str) -> Artifact | None:
    """The artifact a Terraform `filename`/S3 key names: same relative path, else a unique basename."""
    wanted = PurePosixPath(filename.replace("\\", "/"))
    for artifact in manifest.artifacts.values():
        own = PurePosixPath(artifact.path)
        if wanted == own or str(wanted).endswith("/" + str(own)):
            return artifact
    same_name = [a for a in manifest.artifacts.values() if PurePosixPath(a.path).name == wanted.name]
    return same_name[0] if len(same_name) == 1 else None
