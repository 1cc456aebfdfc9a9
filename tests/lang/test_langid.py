"""bitext.lang.langid loads the py3langid model under 0.3 (from_pickled_model) and 0.4 (from_model_file)."""

from __future__ import annotations

import py3langid.langid as L

from bitext.lang import langid


def test_py3langid_03_loader_is_used_when_04s_is_missing(monkeypatch):
    calls = []

    class Old:  # py3langid 0.3.0: no from_model_file
        @classmethod
        def from_pickled_model(cls, path, **kw):
            calls.append((path, kw))
            return cls()

        def set_languages(self, langs):
            calls.append(tuple(langs))

    monkeypatch.setattr(L, "LanguageIdentifier", Old)
    monkeypatch.setattr(L, "MODEL_FILE", "data/model.plzma")
    langid._langid.cache_clear()
    try:
        assert isinstance(langid._langid(("en", "id")), Old)
    finally:
        langid._langid.cache_clear()
    assert calls == [("data/model.plzma", {"norm_probs": True}), ("en", "id")]


def test_current_py3langid_answers():
    p, best = langid.english_probability("The cat sat on the mat and looked at the birds.", ["en", "id"])
    assert best == "en" and p > 0.9
