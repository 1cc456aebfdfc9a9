"""A review team: personal tokens (checked, hashed, rate-limited), names from tokens never from forms,
sign-off only by another person with the approver role, the people file, TLS and the printed URL."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext import review
from bitext.cli import main
from bitext.errors import BitextError
from bitext.review import people, workflow
from bitext.store import Store
from bitext.web.app import create_app, personal_url
from tests.factories import CorpusBuilder
from tests.web.test_serve import ROOT, _free_port
from tests.web.test_webapp import csrf_of, open_pair, parent_of

ANA, BUDI, CITRA = "Ana-token-0123456789-abcdef", "Budi-token-9876543210-ghijkl", "Citra-token-55554444-mnopqr"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    for aid in ("a1", "a2", "a3"):
        b.article(aid)
        for i in range(3):
            b.pair(f"{aid}:0.{i}", f"Kalimat {aid} {i}.", f"Sentence {aid} {i}.", article_id=aid, bead_idx=i)
    people.add_person(b.store, "ana", "lead", ANA)
    people.add_person(b.store, "budi", "reviewer", BUDI)
    people.add_person(b.store, "citra", "approver", CITRA)
    return b.store


def signed_in(store: Store, token: str) -> FlaskClient:
    app = create_app(store, reviewer="whoever")
    app.testing = True
    c = app.test_client()
    assert c.get("/", query_string={"token": token}).status_code == 303
    return c


def test_a_team_needs_personal_tokens_and_rate_limits_guesses(store: Store) -> None:
    app = create_app(store)
    app.testing = True
    c = app.test_client()
    assert c.get("/review").status_code == 401  # even on loopback, a team signs in
    for _ in range(5):
        assert c.get("/", query_string={"token": "wrong-token-0123456789"}).status_code == 401
    resp = c.get("/", query_string={"token": ANA})
    assert resp.status_code == 429  # too many wrong guesses from this client, even with the right token now
    assert "Too many wrong access tokens" in resp.get_data(as_text=True)
    other = create_app(store)
    other.testing = True
    assert other.test_client().get("/", query_string={"token": ANA}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
                                   ).status_code == 303
    # The store keeps hashes only.
    dump = "\n".join(store.conn.iterdump())
    assert ANA not in dump and people.token_hash(ANA) in dump


def test_the_name_in_a_decision_comes_from_the_token(store: Store) -> None:
    budi = signed_in(store, BUDI)
    page = open_pair(budi, "a1:0.0")
    assert 'id="who"' in page and "<bdi>budi</bdi>" in page and 'name="reviewer"' not in page
    assert budi.post("/reviewer", data={"csrf": csrf_of(page), "reviewer": "ana", "back": "/"}).status_code == 403
    data = {"csrf": csrf_of(page), "id": "a1:0.0", "parent_id": str(parent_of(page)), "action": "accept",
            "after": "Sentence a1 0.", "reviewer": "ana", "status": "pending"}
    assert budi.post("/decide", data=data).status_code == 303
    assert review.history(store, "a1:0.0")[-1]["reviewer"] == "budi"


def test_sign_off_only_by_another_person_with_the_approver_role(store: Store) -> None:
    budi, citra, ana = signed_in(store, BUDI), signed_in(store, CITRA), signed_in(store, ANA)
    review.decide(store, "a1:0.0", "accepted", reviewer="citra")
    review.decide(store, "a1:0.1", "accepted", reviewer="budi")
    page = open_pair(budi, "a1:0.0", status="all")
    assert "/sign-off" not in page  # a reviewer is offered no sign-off
    form = {"csrf": csrf_of(page), "id": "a1:0.0", "parent_id": str(review.history(store, "a1:0.0")[-1]["id"]),
            "status": "all"}
    resp = budi.post("/sign-off", data=form)
    assert resp.status_code == 400 and "approver role" in resp.get_data(as_text=True)
    page = open_pair(citra, "a1:0.0", status="all")
    assert "/sign-off" not in page  # her own decision
    page = open_pair(citra, "a1:0.1", status="all")
    assert "/sign-off" in page
    rid = review.history(store, "a1:0.1")[-1]["id"]
    assert citra.post("/sign-off", data={"csrf": csrf_of(page), "id": "a1:0.1", "parent_id": str(rid),
                                         "status": "all"}).status_code == 303
    assert workflow.signed_off(store, "a1:0.1")["reviewer"] == "citra"
    page = open_pair(ana, "a1:0.0", status="all")  # a lead may sign off too
    assert "/sign-off" in page
    with pytest.raises(BitextError, match="approver role"):
        workflow.sign_off(store, "a1:0.0", reviewer="somebody")


@pytest.mark.parametrize("token", [" " * 16, "aaaaaaaaaaaaaaaa", "short", "has a space in it 0123", "tab\there-0123456789"])
def test_weak_tokens_are_refused(token: str) -> None:
    with pytest.raises(BitextError):
        people.check_token(token)


def test_the_people_file(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "team.toml"
    f.write_text('[[person]]\nname = "dewi"\nrole = "reviewer"\n\n[[person]]\nname = "ana"\nrole = "lead"\n'
                 '\n[[person]]\nname = "eko"\nrole = "approver"\ntoken = "Eko/token+with=odd&chars42"\n')
    made = people.load_people(store, people.read_people_file(f))
    assert [p.name for p, _ in made] == ["dewi"]  # a new token only for the new person without one
    assert people.person_by_token(store, "Eko/token+with=odd&chars42").name == "eko"
    assert people.person_by_token(store, ANA).name == "ana"  # known people keep theirs
    assert personal_url("http://h:1/", "Eko/token+with=odd&chars42") == "http://h:1/?token=Eko%2Ftoken%2Bwith%3Dodd%26chars42"
    f.write_text('[[person]]\nname = "x"\nrole = "boss"\n')
    with pytest.raises(BitextError, match=r"team.toml: person 1: unknown role 'boss'"):
        people.read_people_file(f)
    f.write_text('[[person]]\nname = "x"\nrole = "reviewer"\ntoken = "                "\n')
    with pytest.raises(BitextError, match="team.toml: person 1: .*whitespace"):
        people.read_people_file(f)


def test_users_add_prints_the_token_once(tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = str(store.path.parent)
    assert main(["users", "add", "fajar", "--role", "reviewer", "--corpus", corpus]) == 0
    out = capsys.readouterr().out
    token = re.search(r"shown only now\): (\S+)", out).group(1)
    assert f"?token={token}" in out or "%" in out
    assert people.person_by_token(store, token).name == "fajar"
    assert main(["users", "add", "fajar", "--role", "reviewer", "--corpus", corpus]) == 2  # already there
    assert main(["users", "assign", "a1", "a2", "--to", "fajar", "--corpus", corpus]) == 0
    assert main(["users", "list", "--corpus", corpus]) == 0
    assert "fajar\treviewer\t2 article(s) assigned" in capsys.readouterr().out
    assert main(["users", "assign", "nope", "--to", "fajar", "--corpus", corpus]) == 2
    assert main(["users", "assign", "a1", "--to", "nobody", "--corpus", corpus]) == 2


def test_tls_with_certfile_and_keyfile(tmp_path: Path, store: Store) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    port = _free_port()
    code = (f"from bitext.web.app import serve; serve({str(store.path.parent)!r}, port={port}, certfile={str(cert)!r},"
            f" keyfile={str(key)!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ctx = ssl.create_default_context(cafile=str(cert))
        ctx.check_hostname = False
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"https://127.0.0.1:{port}/api/progress", context=ctx, timeout=2)
            except urllib.error.HTTPError as e:
                assert e.code == 401  # served over TLS; a team signs in
                break
            except OSError:
                assert time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "no server"
                time.sleep(0.2)
    finally:
        proc.kill()
        out = proc.communicate()[0]
    assert f"https://127.0.0.1:{port}/" in out
    from bitext.web.app import _tls

    with pytest.raises(BitextError, match=r"missing.pem: no such file \(--certfile\)"):
        _tls(str(tmp_path / "missing.pem"), None)
    with pytest.raises(BitextError, match=r"cert.pem: cannot use it as a TLS certificate"):
        _tls(str(cert), str(cert))  # the certificate given as its own key


def test_the_guess_limit_is_per_client_and_bounded() -> None:
    from bitext.web.guard import GuessLimit, Refused

    limit = GuessLimit(limit=2, window=60, clients=3)
    for i in range(10):
        limit.fail(f"10.0.0.{i}")
    assert len(limit._fails) == 3  # bounded memory
    limit.fail("10.0.0.9")
    with pytest.raises(Refused):
        limit.check("10.0.0.9")
    limit.check("10.0.0.8")  # one failure: still allowed


def test_a_removed_person_or_a_new_token_signs_the_session_out(store: Store) -> None:
    budi = signed_in(store, BUDI)
    assert budi.get("/review").status_code == 302
    people.add_person(store, "budi", "reviewer", "Budi-new-token-0123456789-x", replace=True)
    assert budi.get("/review").status_code == 401
    budi = signed_in(store, "Budi-new-token-0123456789-x")
    people.remove_person(store, "budi")
    assert budi.get("/review").status_code == 401
