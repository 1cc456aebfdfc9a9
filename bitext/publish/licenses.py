"""Licence ids the Hugging Face Hub accepts in a card's ``license:`` field, checked before anything
is written or created (https://huggingface.co/docs/hub/repositories-licenses; ``huggingface_hub``
ships no copy of the list).

``other`` needs ``license_name`` and ``license_link`` (a custom licence described on the card);
``unknown`` is bitext's default: news articles belong to their publishers and bitext cannot know the terms.
"""

from __future__ import annotations

import difflib

from bitext.errors import BitextError

HUB_LICENSES = frozenset("""
apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda
cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0
cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0
cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0
eupl-1.1 eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc h-research
intel-research lppl-1.3c ms-pl apple-ascl apple-amlr mpl-2.0 odc-by odbl openrail++ osl-3.0 postgresql
ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license fair-noncommercial-research-license
llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 gemma unknown other
""".split())


def check_license(license: str, *, name: str | None = None, link: str | None = None, option: str = "--license") -> str:
    """``license`` if the Hub accepts it, else a usage error (exit code 2) that suggests the id meant."""
    if license in HUB_LICENSES:
        if license == "other" and not (name and link):
            raise BitextError(f"{option} other: also give --license-name NAME and --license-link URL", exit_code=2)
        return license
    guess = license.strip().lower().replace(" ", "-").replace("_", "-")
    close = [guess] if guess in HUB_LICENSES else difflib.get_close_matches(guess, sorted(HUB_LICENSES), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise BitextError(
        f"{option} {license!r}: not a Hugging Face Hub licence id (e.g. cc-by-4.0, cc-by-sa-4.0, odc-by, unknown,"
        f" other){hint}", exit_code=2)
