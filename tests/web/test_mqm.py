"""The app's post-editing notes without a browser: the reason asked for an unedited confirm, MQM errors on
a decision, the stats page's typology, discussions with a lead's resolve, the guidelines panel, and the
MT vs reference filter and labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bitext import review
from bitext.errors import BitextError
from bitext.review import discussion, people, typology
from bitext.store import Store
from bitext.web.app import create_app
from bitext.web.guidelines import load_guidelines, render_markdown
from tests.factories import CorpusBuilder
from tests.review.corpus import run_cli
from tests.web.test_review_flow import post
from tests.web.test_webapp import csrf_of, open_pair


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1")
    b.pair("a1:0", "Harga naik 10 persen.", "Prices rose 10 percent.", mt="Prices rose 10 percent.",
           signature="model:opus-mt-id-en@r1|beams:4")
    b.pair("a1:1", "Presiden tiba di Jakarta hari Senin.", "The president arrived.", mt="The president arrived.",
           signature="model:opus-mt-id-en@r1|beams:4")
    b.pair("a1:ref-0", "Harga naik 10 persen.", "Prices went up by 10 percent.", article_id="a1", kind="reference",
           bead_idx=0)
    b.flag("a1:1", "length_ratio", severity="error", reason="English is 0.4x the expected length")
    return b.store


def prompt_tag(page: str) -> str:
    return re.search(r'<div class="reason-prompt"[^>]*>', page).group(0)


def test_an_unedited_confirm_of_a_flagged_pair_asks_for_a_reason(client: FlaskClient, store: Store) -> None:
    page = open_pair(client, "a1:1", kind="mt")
    assert "hidden" in prompt_tag(page)  # rendered for the script, not shown yet
    resp = post(client, page, "a1:1", "accept", reason="", comment="looked at it",
                **{"err:accuracy/omission": "major"})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "hidden" not in prompt_tag(body) and "needs a reason" in body
    assert 'value="looked at it"' in body  # nothing typed is lost: the comment and the chosen error
    assert re.search(r'name="err:accuracy/omission".*?<option value="major" selected>', body, re.S)
    assert review.history(store, "a1:1") == []
    # Ctrl+Enter with the English unchanged is the same confirm.
    assert post(client, page, "a1:1", "edit", reason="").status_code == 422
    resp = post(client, body, "a1:1", "accept", reason="", reason_text="Checked with the desk: it is short on purpose",
                **{"err:accuracy/omission": "major"})
    assert resp.status_code == 303
    [row] = review.history(store, "a1:1")
    assert typology.notes_for(store.conn, [row["id"]]) == {row["id"]: typology.Notes(
        (("accuracy/omission", "major"),), "Checked with the desk: it is short on purpose")}
    hist = client.get("/history", query_string={"id": "a1:1"}).get_data(as_text=True)
    assert "accuracy/omission: major" in hist and "accepted unedited: <bdi>Checked with the desk" in hist


def test_no_reason_is_asked_or_kept_for_an_edit_a_reject_or_an_unflagged_pair(client: FlaskClient,
                                                                                store: Store) -> None:
    page = open_pair(client, "a1:1", kind="mt")
    assert post(client, page, "a1:1", "edit", reason="1", after="The president arrived in Jakarta on Monday.",
                **{"err:accuracy/omission": "critical"}).status_code == 303
    [row] = review.history(store, "a1:1")
    assert typology.notes_for(store.conn, [row["id"]])[row["id"]] == typology.Notes(
        (("accuracy/omission", "critical"),), None)  # an edit explains itself: the reason is not kept
    page = open_pair(client, "a1:0", kind="mt")
    assert 'class="reason-prompt"' not in page
    assert post(client, page, "a1:0", "accept", reason="").status_code == 303
    resp = post(client, page, "a1:0", "accept", reason="", **{"err:fluency": "enormous"})
    assert resp.status_code == 400 and "unknown error severity" in resp.get_data(as_text=True)


def test_the_stats_page_shows_the_typology_per_model_and_kind(client: FlaskClient, store: Store) -> None:
    typology.decide_annotated(store, "a1:1", "edited", errors=(("accuracy/omission", "major"), ("style", "minor")),
                              reviewer="ana", after="The president arrived in Jakarta on Monday.")
    typology.decide_annotated(store, "a1:ref-0", "accepted", errors=(("fluency", "minor"),), reviewer="ana")
    page = client.get("/stats").get_data(as_text=True)
    table = re.search(r'<table class="hist" id="typology">(.*?)</table>', page, re.S).group(1)
    cells = [re.findall(r"<td>(?:<b>)?([^<]*)", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert cells[0] == [] and cells[2] == ["accuracy/omission", "0", "1", "0", "1"]  # (0: the header row)
    assert cells[-1] == ["all", "2", "1", "0", "3"]
    models = re.search(r'id="typology-models">(.*?)</table>', page, re.S).group(1)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in re.findall(r"<tr>(.*?)</tr>", models, re.S)]
    assert rows[1:] == ["MT: opus-mt-id-en@r1 1 1 2 1 1 0 200.0 6", "reference 1 1 1 1 0 0 100.0 1"]
    kinds = re.search(r'id="kind-progress">(.*?)</table>', page, re.S).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", kinds)).split("rejected", 1)[1].split() == [
        "MT", "2", "1", "1", "1", "0", "reference", "1", "1", "0", "0", "0"]


def test_a_discussion_is_asked_for_and_a_lead_resolves_it(store: Store) -> None:
    tokens = {name: people.add_person(store, name, role) for name, role in (("ana", "reviewer"), ("lea", "lead"))}
    app = create_app(store)
    app.testing = True

    def signed_in(name: str) -> FlaskClient:
        c = app.test_client()
        c.get("/review", query_string={"token": tokens[name]})
        return c

    ana, lea = signed_in("ana"), signed_in("lea")
    page = open_pair(ana, "a1:1")
    assert 'id="btn-discuss"' in page and 'id="btn-resolve"' not in page
    resp = ana.post("/discuss", data={"csrf": csrf_of(page), "id": "a1:1", "event": "open",
                                      "body": "Is <b>tiba</b> arrived or landed?", "status": "pending"})
    assert resp.status_code == 303 and "thread=1" in resp.headers["Location"]
    page = open_pair(ana, "a1:1")
    assert "needs discussion" in page and "Is &lt;b&gt;tiba&lt;/b&gt; arrived or landed?" in page
    assert 'id="btn-resolve"' not in page  # a reviewer cannot resolve
    resp = ana.post("/discuss", data={"csrf": csrf_of(page), "id": "a1:1", "event": "resolve", "body": ""})
    assert resp.status_code == 403 and discussion.is_open(store.conn, "a1:1")
    # The lead finds it in the queue's filter (every status), and resolves it.
    resp = lea.get("/review", query_string={"discuss": "1"})
    assert resp.status_code == 302 and "id=a1:1" in resp.headers["Location"] and "discuss=1" in resp.headers["Location"]
    page = open_pair(lea, "a1:1", discuss="1", status="all")
    assert 'id="btn-resolve"' in page
    resp = lea.post("/discuss", data={"csrf": csrf_of(page), "id": "a1:1", "event": "resolve", "body": "Landed.",
                                      "discuss": "1", "status": "all"})
    assert resp.status_code == 303
    assert [(c.author, c.event) for c in discussion.thread(store.conn, "a1:1")] == [("ana", "open"), ("lea", "resolve")]
    assert "Nothing left in this queue" in lea.get("/review", query_string={"discuss": "1"}).get_data(as_text=True)
    page = open_pair(ana, "a1:1")
    assert ana.post("/discuss", data={"csrf": csrf_of(page), "id": "a1:1", "body": " "}).status_code == 400


def test_the_guidelines_panel_renders_markdown_safely(store: Store, tmp_path: Path) -> None:
    md = tmp_path / "guide.md"
    md.write_text("# Names\n\nKeep *names* as **written**; see [the style guide](https://example.org/a_b).\n\n"
                  "- <script>alert(1)</script>\n- `x < y`\n\n1. one\n2. [bad](javascript:alert(1))\n\n"
                  "```\n<b>raw</b>\n```\n", encoding="utf-8")
    assert render_markdown(md.read_text()) == (
        "<h3>Names</h3>\n"
        '<p>Keep <em>names</em> as <strong>written</strong>; see <a href="https://example.org/a_b" target="_blank"'
        ' rel="noopener noreferrer">the style guide</a>.</p>\n'
        "<ul>\n<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>\n<li><code>x &lt; y</code></li>\n</ul>\n"
        "<ol>\n<li>one</li>\n<li>bad)</li>\n</ol>\n"
        "<pre><code>&lt;b&gt;raw&lt;/b&gt;</code></pre>")
    app = create_app(store, reviewer="ana", guidelines=md)
    app.testing = True
    page = open_pair(app.test_client(), "a1:0")
    panel = re.search(r'<aside class="guidelines" id="guidelines" tabindex="-1" hidden>(.*?)</aside>', page, re.S)
    assert panel and "<h3>Names</h3>" in panel.group(1) and "<script>" not in panel.group(1)
    assert "<kbd>G</kbd> guidelines" in page
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"caf\xe9")
    with pytest.raises(BitextError, match=r"bad\.md: not UTF-8 text \(byte 3\)"):
        load_guidelines(bad)
    with pytest.raises(BitextError, match=r"missing\.md: cannot read the guidelines"):
        load_guidelines(tmp_path / "missing.md")


def test_the_first_screen_opens_on_references_and_every_pair_says_its_kind(client: FlaskClient) -> None:
    resp = client.get("/review")
    assert resp.headers["Location"].startswith("/pair?id=a1:ref-0&") and "kind=reference" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="kind"[^>]*>reference</span>', page)
    assert '<option value="reference" selected>' in page
    # Chosen explicitly, MT (or every kind) is what the queue shows.
    assert client.get("/review", query_string={"kind": "mt"}).headers["Location"].startswith("/pair?id=a1:1&")
    assert client.get("/review", query_string={"kind": "all"}).headers["Location"].startswith("/pair?id=a1:1&")
    page = open_pair(client, "a1:1", kind="all")
    assert re.search(r'id="kind"[^>]*>MT</span>', page)
    assert '<span class="kind kind-reference">reference</span>' in page or '<span class="kind kind-mt">MT</span>' in page


def test_when_the_references_are_done_the_empty_queue_leads_to_the_mt_pairs(client: FlaskClient, store: Store) -> None:
    review.decide(store, "a1:ref-0", "accepted", reviewer="ana")
    assert client.get("/review").headers["Location"].startswith("/pair?id=a1:1&")  # none pending: no default
    page = client.get("/review", query_string={"kind": "reference"}).get_data(as_text=True)
    assert 'id="kind-next"' in page and 'href="/review?kind=mt"' in page


def test_bitext_review_refuses_a_bad_guidelines_file_in_one_line(store: Store, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["review", str(store.path.parent), "--guidelines", str(tmp_path / "nope.md"), "--port", "0"])
    out = capsys.readouterr().out
    assert code == 2 and out.count("\n") == 1
    assert out == (f"bitext: error: {tmp_path / 'nope.md'}: cannot read the guidelines (No such file or directory);"
                   " give a Markdown file with --guidelines\n")
