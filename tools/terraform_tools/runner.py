"""The one way the tooling runs the Terraform CLI: provider discovery, captured output, one error type.

`make plan`, the local stack and the tests all start terraform here, so a missing binary, a hung
provider and a failed command read the same everywhere: TerraformError names the command, the
directory and the last lines terraform printed on stderr.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from terraform_tools.environment import terraform_environ

TAIL_LINES = 25


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


class TerraformError(Exception):
    """terraform failed (returncode set) or could not run to the end (returncode None)."""

    def __init__(self, args: Sequence[str], cwd: Path, returncode: int | None, stdout: str = "", stderr: str = "",
                 reason: str = "") -> None:
        self.command = ["terraform", *args]
        self.cwd = cwd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        what = reason or f"failed (exit {returncode})"
        tail = "\n".join((stderr.strip() or stdout.strip()).splitlines()[-TAIL_LINES:])
        super().__init__(f"{' '.join(self.command)} {what} in {cwd}" + (f":\n{tail}" if tail else ""))

    @property
    def output(self) -> str:
        """Everything terraform printed, stdout then stderr."""
        return self.stdout + self.stderr


def run(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, *,
        timeout: float | None = None, echo: bool = False) -> str:
    """`terraform ARGS` in `cwd`; its stdout, or TerraformError.

    `env` is the environment before provider discovery (default: this process's). With `echo`,
    terraform's stdout goes straight to the terminal (for a person watching a long init, plan or
    apply) and '' is returned; stderr is always captured for the error.
    """
    environ = terraform_environ(None if env is None else dict(env))
    try:
        result = subprocess.run(["terraform", *args], cwd=cwd, env=environ, text=True, timeout=timeout, check=False,
                                stdout=None if echo else subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError as exc:
        reason = ("could not start: terraform is not on PATH; install Terraform >= 1.11" if exc.filename == "terraform"
                  else "could not start: the directory does not exist")
        raise TerraformError(args, cwd, None, reason=reason) from None
    except subprocess.TimeoutExpired as exc:
        raise TerraformError(args, cwd, None, _text(exc.stdout), _text(exc.stderr),
                             reason=f"did not finish within {timeout:g} s") from None
    if result.returncode != 0:
        raise TerraformError(args, cwd, result.returncode, result.stdout or "", result.stderr)
    return result.stdout or ""


def plan_json(cwd: Path, plan_file: Path, args: Sequence[str] = (), env: Mapping[str, str] | None = None, *,
              timeout: float | None = None, echo: bool = False) -> str:
    """`plan -out=PLAN_FILE ARGS`, then the saved plan as `terraform show -json` prints it."""
    run(["plan", "-input=false", f"-out={plan_file}", *args], cwd, env, timeout=timeout, echo=echo)
    return run(["show", "-json", str(plan_file)], cwd, env, timeout=timeout)
