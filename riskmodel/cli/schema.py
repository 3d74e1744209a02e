"""`riskmodel schema [--portfolio]`: print the JSON Schema of scenario (or portfolio) files.

In: nothing. Out: the JSON Schema on stdout (for editors' completion and checks, e.g. the YAML language
server's `# yaml-language-server: $schema=...`). The work is `riskmodel.scenario.docs.json_schema`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from riskmodel.scenario.docs import json_schema


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `schema` command to an argparse sub-parser set; returns its parser."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files (or, with --portfolio, of portfolio files).",
    )
    parser.add_argument("--portfolio", action="store_true", help="the schema of portfolio files")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    print(
        json.dumps(json_schema("portfolio" if args.portfolio else "scenario"), indent=2, ensure_ascii=False)
    )
    return 0
