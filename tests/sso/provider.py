"""A real OpenID Connect provider on 127.0.0.1 for the single sign-on tests.

The protocol is pyop's (IdentityPython's provider library: authorisation codes, PKCE, signed
ID tokens, userinfo); this module only puts it behind a small HTTP server from the standard
library and keeps a list of accounts. Nothing here signs, checks or encodes a token itself.

It speaks HTTPS, as every provider must (pyop refuses an issuer without it), with a
certificate for 127.0.0.1 made here; the tests point ``REQUESTS_CA_BUNDLE`` at it.

A person "signs in at the provider" by posting their user name and password to the
authorisation URL that Trustmirror redirected them to; the provider answers with the
redirect back to Trustmirror, carrying the code and the state.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from Cryptodome.PublicKey import RSA
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jwkest.jwk import RSAKey
from pyop.authz_state import AuthorizationState
from pyop.exceptions import BearerTokenError, InvalidAccessToken, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo

CLIENT_ID = "trustmirror-test"
CLIENT_SECRET = "a-client-secret-only-the-tests-know"


class LocalProvider:
    """pyop's ``Provider`` served on 127.0.0.1 at a free port, in a thread of the test."""

    def __init__(self, *, redirect_uri: str, accounts: dict[str, dict], directory: Path):
        # accounts: user name -> {"password": ..., and the OpenID Connect claims to hand out}
        self.accounts = accounts
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.certificate = directory / "provider-cert.pem"
        key_file = directory / "provider-key.pem"
        _self_signed(self.certificate, key_file)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.issuer = f"https://127.0.0.1:{self.server.server_port}"
        self.redirect_uri = redirect_uri
        configuration = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }
        clients = {
            CLIENT_ID: {
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
            }
        }
        self.signing_key = RSAKey(key=_rsa_key(), alg="RS256", kid="test-key")
        userinfo = {
            name: {"sub": f"sub-{name}", **{k: v for k, v in claims.items() if k != "password"}}
            for name, claims in accounts.items()
        }
        self.provider = Provider(
            self.signing_key,
            configuration,
            AuthorizationState(HashBasedSubjectIdentifierFactory("salt")),
            clients,
            Userinfo(userinfo),
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LocalProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def environment(self, secret_file: str) -> dict[str, str]:
        """The TRUSTMIRROR_OIDC_* variables an operator would set for this provider."""
        return {
            "TRUSTMIRROR_OIDC_CLIENT_ID": CLIENT_ID,
            "TRUSTMIRROR_OIDC_CLIENT_SECRET_FILE": secret_file,
            "TRUSTMIRROR_OIDC_ISSUER": self.issuer,
            "TRUSTMIRROR_OIDC_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "TRUSTMIRROR_OIDC_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "TRUSTMIRROR_OIDC_USERINFO_ENDPOINT": f"{self.issuer}/userinfo",
            "TRUSTMIRROR_OIDC_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "TRUSTMIRROR_OIDC_LABEL": "Test ID",
        }

    # The provider's own pages, each a call into pyop.

    def authorize(self, query: str, form: dict[str, str]) -> tuple[int, dict, bytes]:
        request = self.provider.parse_authentication_request(query)
        account = self.accounts.get(form.get("username", ""))
        if account is None or account["password"] != form.get("password"):
            return 401, {"Content-Type": "text/plain"}, b"wrong user name or password"
        response = self.provider.authorize(request, form["username"])
        location = response.request(request["redirect_uri"], fragment_enc=False)
        return 302, {"Location": location}, b""

    def token(self, body: str, headers: dict) -> tuple[int, dict, bytes]:
        response = self.provider.handle_token_request(body, headers)
        return 200, {"Content-Type": "application/json"}, response.to_json().encode()

    def userinfo(self, query: str, headers: dict) -> tuple[int, dict, bytes]:
        response = self.provider.handle_userinfo_request(query, headers)
        return 200, {"Content-Type": "application/json"}, response.to_json().encode()

    def jwks(self) -> tuple[int, dict, bytes]:
        return 200, {"Content-Type": "application/json"}, json.dumps(self.provider.jwks).encode()


@functools.cache
def _rsa_key() -> RSA.RsaKey:
    # Made once per test run: a 2048-bit key takes a good part of a second.
    return RSA.generate(2048)


def _self_signed(certificate: Path, key_file: Path) -> None:
    """A certificate for 127.0.0.1 valid for a day, and its key (cryptography's x509)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _handler(local: LocalProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            headers = {key: value for key, value in self.headers.items()}
            try:
                if url.path == "/authorize" and method == "POST":
                    status, out_headers, out = local.authorize(url.query, dict(parse_qsl(body)))
                elif url.path == "/token" and method == "POST":
                    status, out_headers, out = local.token(body, headers)
                elif url.path == "/userinfo":
                    status, out_headers, out = local.userinfo(url.query or body, headers)
                elif url.path == "/jwks":
                    status, out_headers, out = local.jwks()
                else:
                    status, out_headers, out = 404, {}, b""
            except (OAuthError, InvalidAccessToken, BearerTokenError, ValueError) as exc:
                status, out_headers = 400, {"Content-Type": "application/json"}
                out = json.dumps({"error": "invalid_request", "error_description": str(exc)})
                out = out.encode()
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, format: str, *args) -> None:  # the tests' output stays clean
            pass

    return Handler
