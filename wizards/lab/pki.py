"""The lab's throwaway certificate authorities and files, made with trustme."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

import trustme

SERVER_NAMES = ("localhost", "www.localhost", "127.0.0.1", "::1")
"""The names the lab's server certificate is valid for."""


@dataclass(frozen=True)
class ClientFiles:
    """One client certificate and its private key, as PEM files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class LabPki:
    """Every file the lab's servers and its commands to try use."""

    folder: Path
    ca: Path
    server_cert: Path
    server_key: Path
    edge_server_cert: Path
    edge_server_key: Path
    unknown_server_cert: Path
    unknown_server_key: Path
    client_ca: Path
    stranger_ca: Path
    """A CA that issued nothing the lab's servers trust."""
    good_client: ClientFiles
    untrusted_client: ClientFiles
    expired_client: ClientFiles
    not_yet_valid_client: ClientFiles
    leaf_only_client: ClientFiles
    """Issued by an intermediate under the client CA; its file holds only the leaf."""


def make_lab_pki(folder: Path) -> LabPki:
    """Write a server CA, a client CA, good and bad client certificates into folder."""
    server_ca = trustme.CA(organization_name="mtls-doctor lab server CA")
    client_ca = trustme.CA(organization_name="mtls-doctor lab client CA")
    client_intermediate_ca = client_ca.create_child_ca()
    stranger_ca = trustme.CA(organization_name="mtls-doctor lab stranger CA")

    server = server_ca.issue_cert(*SERVER_NAMES)
    edge_server = server_ca.issue_cert(*SERVER_NAMES, organization_unit_name="edge")
    unknown_server = stranger_ca.issue_cert(*SERVER_NAMES)
    good = client_ca.issue_cert("client.lab.test", common_name="lab client")
    untrusted = stranger_ca.issue_cert("stranger.lab.test", common_name="lab stranger")
    now = datetime.datetime.now(datetime.UTC)
    expired = client_ca.issue_cert(
        "expired.lab.test",
        common_name="lab expired client",
        not_before=now - datetime.timedelta(days=60),
        not_after=now - datetime.timedelta(days=30),
    )
    not_yet_valid = client_ca.issue_cert(
        "future.lab.test",
        common_name="lab client valid from next month",
        not_before=now + datetime.timedelta(days=30),
        not_after=now + datetime.timedelta(days=60),
    )
    leaf_only = client_intermediate_ca.issue_cert(
        "intermediate.lab.test", common_name="lab client under an intermediate"
    )

    def write(name: str, blob: trustme.Blob | bytes) -> Path:
        path = folder / name
        data = blob if isinstance(blob, bytes) else blob.bytes()
        path.write_bytes(data)
        if name.endswith(".key"):
            os.chmod(path, 0o600)
        return path

    def client_files(stem: str, leaf: trustme.LeafCert) -> ClientFiles:
        return ClientFiles(
            cert=write(f"{stem}.pem", leaf.cert_chain_pems[0]),
            key=write(f"{stem}.key", leaf.private_key_pem),
        )

    return LabPki(
        folder=folder,
        ca=write("ca.pem", server_ca.cert_pem),
        server_cert=write("server.pem", server.cert_chain_pems[0]),
        server_key=write("server.key", server.private_key_pem),
        edge_server_cert=write("edge-server.pem", edge_server.cert_chain_pems[0]),
        edge_server_key=write("edge-server.key", edge_server.private_key_pem),
        unknown_server_cert=write(
            "unknown-server.pem", unknown_server.cert_chain_pems[0]
        ),
        unknown_server_key=write("unknown-server.key", unknown_server.private_key_pem),
        client_ca=write("client-ca.pem", client_ca.cert_pem),
        stranger_ca=write("stranger-ca.pem", stranger_ca.cert_pem),
        good_client=client_files("client", good),
        untrusted_client=client_files("untrusted-client", untrusted),
        expired_client=client_files("expired-client", expired),
        not_yet_valid_client=client_files("not-yet-valid-client", not_yet_valid),
        leaf_only_client=client_files("leaf-only-client", leaf_only),
    )
