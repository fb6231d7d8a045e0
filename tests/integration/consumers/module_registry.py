"""A Terraform module registry on loopback HTTPS, serving release archives: a test fixture.

No real registry (the public one, HCP Terraform's private registry, or a self-hosted one) can run
on this machine, so this small server speaks the parts of Terraform's documented protocols that
`terraform init` uses for a registry source, and nothing else:

- remote service discovery: `GET /.well-known/terraform.json` -> `{"modules.v1": "/v1/modules/"}`;
- module registry protocol: `GET /v1/modules/<namespace>/<name>/<system>/versions` lists the
  versions, and `GET .../<version>/download` answers 204 with an `X-Terraform-Get` header that
  points at the archive (a relative URL, which Terraform resolves against the download URL);
- the archive itself over HTTPS (HEAD and GET), a .tar.gz unpacked by Terraform's module installer.

Terraform requires HTTPS for discovery, so the server presents a throwaway self-signed certificate
for 127.0.0.1 (and localhost), made at start with `cryptography`. Terraform trusts it through
SSL_CERT_FILE, which names a bundle of that certificate plus the usual public roots (so a provider
download from the public registry, where no local mirror exists, still verifies). Registry
hostnames need a dot, which `localhost` lacks, so modules are addressed as `127.0.0.1:<port>/...`.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_VERSIONS = re.compile(r"^/v1/modules/([^/]+)/([^/]+)/([^/]+)/versions$")
_DOWNLOAD = re.compile(r"^/v1/modules/([^/]+)/([^/]+)/([^/]+)/([^/]+)/download$")
_ARCHIVE = re.compile(r"^/archives/([^/]+)$")


def _self_signed(directory: Path) -> tuple[Path, Path, Path]:
    """(certificate, key, CA bundle for SSL_CERT_FILE) for 127.0.0.1 and localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "module registry test fixture")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file, bundle = directory / "registry.pem", directory / "registry.key", directory / "trusted.pem"
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_file.write_bytes(pem)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    bundle.write_bytes(pem + Path(certifi.where()).read_bytes())
    return cert_file, key_file, bundle


@dataclass
class ModuleRegistry:
    """Serves published archives as `<host>/<namespace>/<name>/<system>` at the versions given to `publish`."""

    workdir: Path
    requests: list[str] = field(default_factory=list)
    _modules: dict[tuple[str, str, str], dict[str, Path]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        assert self._server is not None, "start the registry first"
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def ca_bundle(self) -> Path:
        """The file to put in SSL_CERT_FILE for terraform to trust this registry."""
        return self.workdir / "trusted.pem"

    def publish(self, namespace: str, name: str, system: str, version: str, archive: Path) -> None:
        self._modules.setdefault((namespace, name, system), {})[version] = archive

    def __enter__(self) -> ModuleRegistry:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cert_file, key_file, _ = _self_signed(self.workdir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, name="module-registry", daemon=True).start()
        self._server = server
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # the requests list is the log
                pass

            def _send(self, status: int, body: bytes = b"", content_type: str = "application/json",
                      headers: dict[str, str] | None = None, with_body: bool = True) -> None:
                self.send_response(status)
                for key, value in {"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})}.items():
                    self.send_header(key, value)
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def _route(self, with_body: bool) -> None:
                registry.requests.append(f"{self.command} {self.path}")
                if self.path == "/.well-known/terraform.json":
                    return self._send(200, json.dumps({"modules.v1": "/v1/modules/"}).encode())
                if match := _VERSIONS.match(self.path):
                    versions = registry._modules.get(match.groups())
                    if versions is None:
                        return self._send(404, b'{"errors":["Not Found"]}')
                    listing = {"modules": [{"versions": [{"version": v} for v in sorted(versions)]}]}
                    return self._send(200, json.dumps(listing).encode())
                if match := _DOWNLOAD.match(self.path):
                    namespace, name, system, version = match.groups()
                    archive = registry._modules.get((namespace, name, system), {}).get(version)
                    if archive is None:
                        return self._send(404, b'{"errors":["Not Found"]}')
                    return self._send(204, headers={"X-Terraform-Get": f"/archives/{archive.name}"})
                if match := _ARCHIVE.match(self.path):
                    served = {a.name: a for versions in registry._modules.values() for a in versions.values()}
                    if match.group(1) in served:
                        return self._send(200, served[match.group(1)].read_bytes(), "application/gzip",
                                          with_body=with_body)
                return self._send(404, b"not found", "text/plain", with_body=with_body)

            def do_GET(self) -> None:
                self._route(with_body=True)

            def do_HEAD(self) -> None:
                self._route(with_body=False)

        return Handler
