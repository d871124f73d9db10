"""Turns parsed command-line options into the answers the checks and the app share."""

from __future__ import annotations

import argparse

from wizards.answers import Answers


def answers_from_args(args: argparse.Namespace) -> Answers:
    """The answers given on the command line; unanswered fields stay empty."""
    return Answers(
        url=args.url or "",
        sni=args.sni or "",
        no_sni=bool(args.no_sni),
        cert=args.cert or "",
        key=args.key or "",
        password_env=args.password_env or "",
        cacert=args.cacert or "",
        client_ca=args.client_ca or "",
        hops=list(args.hop or []),
        timeout=str(args.timeout),
    )
