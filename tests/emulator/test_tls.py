"""HTTPS: the local CA, ``qbo emulator serve --tls`` and the plugin's HTTPS fixture."""

from __future__ import annotations

import os
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from qbo.client import Client
from qbo.emulator.tls import TlsFiles, ensure_tls
from qbo.testing import EmulatorProcess


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_ca_is_made_once_and_the_server_certificate_follows_the_host(tmp_path: Path) -> None:
    first = ensure_tls(tmp_path / "tls")
    ca = x509.load_pem_x509_certificate(first.ca_cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert _mode(tmp_path / "tls") == 0o700
    assert _mode(first.server_key) == 0o600 and _mode(tmp_path / "tls" / "ca-key.pem") == 0o600
    again = ensure_tls(tmp_path / "tls")
    assert again.server_cert.read_bytes() == first.server_cert.read_bytes()
    other = ensure_tls(tmp_path / "tls", host="qbo.test")
    assert other.ca_cert.read_bytes() == first.ca_cert.read_bytes()  # the CA stays
    cert = x509.load_pem_x509_certificate(other.server_cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "qbo.test" in names.get_values_for_type(x509.DNSName)
    assert "localhost" in names.get_values_for_type(x509.DNSName)


def _verified(files: TlsFiles) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(files.ca_cert))


@pytest.mark.slow
def test_serve_tls_answers_https_that_clients_can_trust(tmp_path: Path) -> None:
    with EmulatorProcess(
        "--db", ":memory:", "--seed", "empty", "--tls", "--tls-dir", str(tmp_path / "tls")
    ) as served:
        url = served.base_url
        assert url.startswith("https://127.0.0.1:")
        files = ensure_tls(tmp_path / "tls")
        discovery = f"{url}/.well-known/openid_configuration"
        answer = httpx.get(discovery, verify=_verified(files))
        assert answer.status_code == 200 and answer.json()["issuer"].startswith("https://")
        with pytest.raises(httpx.ConnectError):
            httpx.get(discovery)  # not trusted by default: the CA is the emulator's own
        script = f"import urllib.request; print(urllib.request.urlopen({discovery!r}).status)"
        env = {**os.environ, "SSL_CERT_FILE": str(files.ca_cert)}
        trusted = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
        )
        assert trusted.returncode == 0 and trusted.stdout.strip() == "200", trusted.stderr


def test_the_plugin_serves_https(qbo_https_url: str, qbo_tls: TlsFiles, qbo_realm: str) -> None:
    assert qbo_https_url.startswith("https://")
    with (
        httpx.Client(verify=_verified(qbo_tls), timeout=30) as http,
        Client(qbo_realm, environment=qbo_https_url, access_token="t", http_client=http) as qb,
    ):
        assert qb.company_info().CompanyName
    assert qbo_tls.ca_cert.read_text().count("BEGIN CERTIFICATE") == 1
