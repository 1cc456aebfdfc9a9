"""Pushing a published folder to the Hugging Face Hub: one commit of what changed, one-line errors.

Only ``huggingface_hub``'s public API: ``DatasetCard.validate`` (the Hub's own card check, before
anything is created), ``HfApi.create_repo`` / ``create_branch`` / ``list_repo_tree`` / ``create_commit``
with explicit ``CommitOperationAdd`` / ``CommitOperationDelete`` (rather than ``upload_folder(...,
delete_patterns=...)``: comparing the LFS sha256 and git blob ids first is what lets an unchanged
folder make no commit at all, and keeps pruning to ``data/``). :func:`check_push_target` runs before
the folder is written. :func:`_hf_api` is the one boundary to the Hub (tests replace it with a
recording stand-in). Hub and
network failures become :class:`~bitext.errors.EnvironmentProblem` s (exit code 2) that never carry
the token; the local folder is only read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bitext.errors import BitextError, EnvironmentProblem


@dataclass(frozen=True)
class PushResult:
    """Outcome of :func:`push_dataset`; ``commit_url`` is None when nothing changed."""

    repo_id: str
    revision: str | None
    commit_url: str | None
    uploaded: list[str]
    deleted: list[str]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _hf_api(token: str) -> Any:
    """The one boundary to the Hub (tests replace it with a recording stand-in)."""
    from huggingface_hub import HfApi

    return HfApi(token=token)


def _local_files(folder: Path) -> list[str]:
    """Paths (POSIX, relative) the dataset repo is made of: README.md and data/**."""
    files = ["README.md"] if (folder / "README.md").is_file() else []
    data = folder / "data"
    if data.is_dir():
        files += sorted(
            p.relative_to(folder).as_posix()
            for p in data.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
    return files


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _git_blob_sha1(path: Path) -> str:
    """Git's object id of a file: sha1(b'blob <size>\\0' + content), what the Hub reports for non-LFS files."""
    h = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _unchanged(local: Path, remote: Any) -> bool:
    lfs = getattr(remote, "lfs", None)
    if lfs is not None:  # LFS/Xet files: the pointer's sha256 is the content's sha256
        sha = lfs.get("sha256") if isinstance(lfs, Mapping) else getattr(lfs, "sha256", None)
        return sha == _sha256(local)
    return getattr(remote, "blob_id", None) == _git_blob_sha1(local)


def push_dataset(
    folder: str | Path,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    commit_message: str = "Publish corpus with bitext",
) -> PushResult:
    """Upload a published folder to the dataset repo ``repo_id`` in one commit.

    Creates the repo (and branch ``revision``) if needed. Files whose content equals the
    remote's (LFS sha256 or git blob id) are not sent; stale files under ``data/`` are
    deleted in the same commit; if nothing differs no commit is made. The token comes from
    HF_TOKEN or the saved login and is never printed. Hub and network failures raise one-line
    errors; the local folder is only read.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, DatasetCard

    folder = Path(folder)
    files = _local_files(folder)
    if "README.md" not in files:
        raise BitextError(f"{folder}: not a published dataset folder (no README.md); run bitext publish", 2)
    token = check_push_target(repo_id, revision)
    branch = revision if revision not in (None, "main") else None
    card_text = _check_card(folder)
    try:
        # The Hub's own card check first: a rejected card must not leave an empty repo behind.
        try:
            DatasetCard(card_text).validate(repo_type="dataset")
        except ValueError as exc:
            detail = " ".join(str(exc).split()) or "invalid metadata"
            raise BitextError(f"{folder / 'README.md'}: the Hugging Face Hub rejects the card ({detail});"
                              f" nothing was created on the Hub", 2) from None
        api = _hf_api(token)
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        if branch:
            api.create_branch(repo_id, repo_type="dataset", branch=branch, exist_ok=True)
        remote = {
            f.path: f
            for f in api.list_repo_tree(repo_id, repo_type="dataset", revision=branch, recursive=True)
            if hasattr(f, "blob_id")  # files, not folders
        }
        uploads = [p for p in files if p not in remote or not _unchanged(folder / p, remote[p])]
        # Only data/ is ours to prune: .gitattributes and anything added by hand stay.
        deletes = sorted(p for p in remote if p.startswith("data/") and p not in set(files))
        if not uploads and not deletes:
            return PushResult(repo_id, branch, None, [], [])
        operations = [CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(folder / p)) for p in uploads]
        operations += [CommitOperationDelete(path_in_repo=p) for p in deletes]
        info = api.create_commit(
            repo_id, operations=operations, commit_message=commit_message, repo_type="dataset", revision=branch
        )
    except BitextError:
        raise
    except Exception as exc:
        err = _hub_error(exc, repo_id, folder, token)
        if err is None:
            raise
        raise err from None  # no chained traceback: nothing of the request leaks into output
    return PushResult(repo_id, branch, getattr(info, "commit_url", None) or str(info), uploads, deletes)


def check_push_target(repo_id: str, revision: str | None = None) -> str:
    """Check ``--push USER/NAME`` (and ``--revision``) and that a token exists, before anything is written;
    returns the token. One-line errors: a bad id or branch name is a usage error (exit code 2)."""
    from huggingface_hub import get_token
    from huggingface_hub.utils import validate_repo_id

    try:
        if repo_id.count("/") != 1:
            raise ValueError("expected USER/NAME")
        validate_repo_id(repo_id)
    except ValueError as exc:
        raise BitextError(f"--push {repo_id!r}: invalid repository id ({_first_line(exc)})", 2) from None
    if revision is not None and not _BRANCH.fullmatch(revision):
        raise BitextError(f"--revision {revision!r}: not a branch name (letters, digits, '-', '_', '.', '/')", 2)
    token = get_token()
    if not token:
        raise EnvironmentProblem(
            f"cannot push to {repo_id}: no Hugging Face token (set HF_TOKEN or run 'hf auth login')"
        )
    return token


# A branch name git and the Hub take: no '..', '//', leading '-' or '/', trailing '/' or '.lock'.
_BRANCH = re.compile(r"(?!-)(?!/)(?!.*\.\.)(?!.*//)(?!.*\.lock$)(?!.*/$)[A-Za-z0-9._/-]{1,200}")


def _check_card(folder: Path) -> str:
    """The card's text, after the local checks (YAML parses, licence is a Hub id): a one-line error otherwise."""
    from huggingface_hub import DatasetCard

    from bitext.publish.licenses import check_license

    readme = folder / "README.md"
    try:
        card = DatasetCard.load(readme)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the card's fault
        raise BitextError(f"{readme}: not a valid dataset card ({_first_line(exc)}); run bitext publish", 2) from None
    data = card.data.to_dict()
    try:
        check_license(str(data.get("license") or ""), name=data.get("license_name"), link=data.get("license_link"),
                      option="license")
    except BitextError as exc:
        raise BitextError(f"{readme}: {exc}; nothing was created on the Hub", 2) from None
    return str(card)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _hub_error(exc: Exception, repo_id: str, folder: Path, token: str) -> BitextError | None:
    """Map a Hub/network exception to a one-line error (None: not ours, re-raise)."""
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, RepositoryNotFoundError

    try:
        from huggingface_hub.errors import HTTPError as TransportBase  # httpx(2).HTTPError
    except ImportError:  # pragma: no cover - older layouts
        TransportBase = OSError  # noqa: N806

    def scrub(text: str) -> str:
        return text.replace(token, "***") if token else text

    tail = f"the local dataset in {folder} is unchanged"
    if isinstance(exc, HfHubHTTPError):
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status == 401:
            msg = f"Hugging Face Hub rejected the token for {repo_id} (HTTP 401): set HF_TOKEN or run 'hf auth login'"
        elif status == 403:
            msg = f"no write access to {repo_id} (HTTP 403): use a token with write permission"
        elif status in (409, 412):
            msg = (f"the Hub refused the commit to {repo_id} (HTTP {status}: the repository or branch changed"
                   " meanwhile, or a name conflicts); publish again to retry")
        elif status == 400:
            msg = f"the Hugging Face Hub rejected the upload to {repo_id} (HTTP 400): {_first_line(exc)}"
        elif isinstance(exc, RepositoryNotFoundError):
            msg = f"{repo_id}: repository not found or not accessible with this token"
        else:
            msg = f"Hugging Face Hub error for {repo_id} (HTTP {status}): {_first_line(exc)}"
        return EnvironmentProblem(scrub(f"{msg}; {tail}"))
    if isinstance(exc, HFValidationError):
        return BitextError(scrub(f"--push {repo_id!r}: {_first_line(exc)}"), 2)
    if isinstance(exc, (TransportBase, ConnectionError, TimeoutError, OSError)):
        return EnvironmentProblem(
            scrub(f"cannot reach the Hugging Face Hub to push {repo_id} ({type(exc).__name__}: {_first_line(exc)}); {tail}")
        )
    return None
