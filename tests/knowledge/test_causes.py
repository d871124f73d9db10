"""The cause catalogue: one readable TOML file per contract cause id, each rendering."""

from __future__ import annotations

import tomllib
from importlib import resources

import jinja2
import pytest

from knowledge.causes import CAUSE_IDS, CLIENT_TOOLS, VENDORS, catalogue, cause_entry
from knowledge.certificate_findings import CAUSE_IDS as CREDENTIAL_CAUSE_IDS
from knowledge.snippets import SnippetContext, render

SAMPLE = SnippetContext(
    host="api.example.com",
    port=8443,
    sni="api.example.com",
    client_ca_file="/etc/ssl/mtls/client-ca.pem",
    cert_file="/home/me/client.crt",
    key_file="/home/me/client.key",
    upstream="10.0.0.7:8080",
    hop="edge",
)
NO_SNI = SnippetContext(host="192.0.2.10", sni=None, upstream="[2001:db8::7]:443")

SNIPPETS = [
    (entry.id, vendor) for entry in catalogue().values() for vendor, _ in entry.snippets
]


def test_catalogue_holds_every_contract_cause_id() -> None:
    """Each cause id of CONTRACT.md has exactly one entry, read from its own file."""
    assert set(catalogue()) == set(CAUSE_IDS)
    assert len(CAUSE_IDS) == 18
    folder = resources.files("knowledge") / "data" / "causes"
    files = {p.name for p in folder.iterdir() if p.name.endswith(".toml")}
    assert files == {f"{cause_id}.toml" for cause_id in CAUSE_IDS}


def test_catalogue_covers_the_credential_findings_ids() -> None:
    """Every cause id a credential finding can carry is in the catalogue."""
    assert set(CAUSE_IDS) >= CREDENTIAL_CAUSE_IDS


@pytest.mark.parametrize("cause_id", CAUSE_IDS)
def test_cause_entry_has_every_part_filled(cause_id: str) -> None:
    """Title, summary, evidence description, steps and at least one snippet exist."""
    entry = cause_entry(cause_id)
    assert entry.title and entry.summary and entry.evidence
    assert entry.steps and all(entry.steps)
    assert entry.snippets
    assert {vendor for vendor, _ in entry.snippets} <= set(VENDORS) | set(CLIENT_TOOLS)


def test_cause_ranks_are_distinct_and_reachability_comes_first() -> None:
    """Ranks order causes without ties; an unreachable hop outranks everything."""
    ranks = [entry.rank for entry in catalogue().values()]
    assert len(set(ranks)) == len(ranks)
    first = min(catalogue().values(), key=lambda entry: entry.rank)
    assert first.id == "hop-unreachable"


@pytest.mark.parametrize(
    "cause_id",
    [
        "client-cert-not-sent",
        "client-auth-optional",
        "client-auth-not-requested",
        "server-cert-untrusted",
        "hop-unreachable",
        "not-tls",
    ],
)
def test_first_path_causes_have_nginx_and_kong_snippets(cause_id: str) -> None:
    """The causes of the first complete path carry nginx and Kong configuration."""
    entry = cause_entry(cause_id)
    assert entry.snippet_template("nginx") and entry.snippet_template("kong")


@pytest.mark.parametrize(("cause_id", "vendor"), SNIPPETS)
def test_snippet_renders_with_sample_context(cause_id: str, vendor: str) -> None:
    """Every snippet renders with and without SNI, and no template syntax is left."""
    template = cause_entry(cause_id).snippet_template(vendor)
    assert template is not None
    for context in (SAMPLE, NO_SNI):
        text = render(template, context)
        assert text.strip() and "{{" not in text and "{%" not in text
    if "client_ca_file" in template:
        assert "/etc/ssl/mtls/client-ca.pem" in render(template, SAMPLE)


@pytest.mark.parametrize("cause_id", CAUSE_IDS)
def test_steps_render_with_sample_context(cause_id: str) -> None:
    """Every step renders with the sample values filled in."""
    for step in cause_entry(cause_id).steps:
        assert "{{" not in render(step, SAMPLE)


@pytest.mark.parametrize(
    ("vendor", "needle"),
    [
        ("nginx", "ssl_verify_client on;"),
        ("kong", "/ca_certificates"),
        ("kong", "name: mtls-auth"),
        ("kong", "nginx_proxy_ssl_verify_client = on"),
        ("cloudflare", "not cf.tls_client_auth.cert_verified"),
        ("cloudflare", "certificate_authorities/hostname_associations"),
        ("f5", "peer-cert-mode require"),
        ("haproxy", "verify required"),
        ("envoy", "require_client_certificate: true"),
        ("apache", "SSLVerifyClient require"),
        ("aws-alb", "Mode=verify"),
        ("traefik", "RequireAndVerifyClientCert"),
    ],
)
def test_enforcement_snippet_uses_vendor_directive(vendor: str, needle: str) -> None:
    """The snippet that switches enforcement on names each vendor's real directive."""
    template = cause_entry("client-auth-not-requested").snippet_template(vendor)
    assert template is not None
    assert needle in render(template, SAMPLE)


@pytest.mark.parametrize(
    ("vendor", "needle"),
    [
        ("cloudflare", "cf.tls_client_auth.cert_rfc9440"),
        ("cloudflare", "settings/tls_client_auth"),
        ("f5", "[b64encode [SSL::cert 0]]"),
        ("kong", "header-cert-auth"),
        ("aws-alb", "X-Amzn-Mtls-Clientcert"),
        ("envoy", "forward_client_cert_details: SANITIZE_SET"),
        ("traefik", "passthrough: true"),
    ],
)
def test_terminated_snippet_forwards_or_passes_through(
    vendor: str, needle: str
) -> None:
    """Where TLS ends early, each vendor's snippet forwards the certificate or TLS."""
    template = cause_entry("tls-terminated-before-origin").snippet_template(vendor)
    assert template is not None
    assert needle in render(template, SAMPLE)


def test_pkcs12_legacy_snippet_reexports_with_legacy_flag() -> None:
    """The PKCS#12 fix reads the file with -legacy and writes it with defaults."""
    template = cause_entry("pkcs12-legacy-encryption").snippet_template("openssl")
    assert template is not None
    text = render(template, SAMPLE)
    assert "openssl pkcs12 -legacy -in /home/me/client.crt" in text
    assert "openssl pkcs12 -export" in text


def test_render_unknown_variable_raises() -> None:
    """A template naming a variable the context lacks fails, never prints blank."""
    with pytest.raises(jinja2.UndefinedError):
        render("listen {{ no_such_variable }};", SAMPLE)


def test_render_leaves_html_characters_alone() -> None:
    """Snippets are configuration, not HTML: nothing is escaped."""
    assert render("{{ host }} <&>", SnippetContext(host="a&b")) == "a&b <&>"


def test_snippet_context_upstream_parts_handle_ipv6() -> None:
    """The upstream's host and port split correctly, brackets removed."""
    assert (NO_SNI.upstream_host, NO_SNI.upstream_port) == ("2001:db8::7", 443)
    assert (SAMPLE.upstream_host, SAMPLE.upstream_port) == ("10.0.0.7", 8080)


@pytest.mark.parametrize("cause_id", CAUSE_IDS)
def test_cause_file_is_plain_toml_without_unknown_keys(cause_id: str) -> None:
    """Each file holds only the keys a reviewer expects to read."""
    folder = resources.files("knowledge") / "data" / "causes"
    document = tomllib.loads((folder / f"{cause_id}.toml").read_text("utf-8"))
    assert set(document) <= {
        "title",
        "rank",
        "summary",
        "evidence",
        "steps",
        "snippets",
    }


HOP_ENFORCED_CAUSES = (
    "client-cert-not-sent",
    "client-auth-optional",
    "client-auth-not-requested",
    "client-cert-untrusted",
    "server-cert-untrusted",
    "sni-mismatch",
    "tls-terminated-before-origin",
)


@pytest.mark.parametrize("cause_id", HOP_ENFORCED_CAUSES)
@pytest.mark.parametrize("vendor", ["cloudflare", "kong", "aws-alb"])
def test_cause_decided_by_a_hop_has_a_snippet_for_each_edge_vendor(
    cause_id: str, vendor: str
) -> None:
    """A cause a hop's configuration decides has a snippet for that hop's vendor."""
    template = cause_entry(cause_id).snippet_template(vendor)
    assert template is not None
    assert "{{" not in render(template, SAMPLE)
