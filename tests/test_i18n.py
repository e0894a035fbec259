"""Every text of the browser view exists in Dutch and English."""

from __future__ import annotations

import pytest

from abm.params import schema_rows
from viz import i18n


def test_every_text_has_dutch_and_english():
    for key, texts in i18n.TEXT.items():
        assert set(texts) == set(i18n.LANGS), key
        assert all(texts[lang].strip() for lang in i18n.LANGS), key
    for term, texts in i18n.GLOSSARY.items():
        assert set(texts) == set(i18n.LANGS), term


def test_every_parameter_unit_and_group_has_a_dutch_name():
    rows = [r for r in schema_rows() if r["kind"] == "param"]
    for r in rows:
        assert i18n.param_label(r["name"], r["label"], "nl")
        assert i18n.unit_label(r["unit"], "nl")
        assert i18n.group_label(r["group"], "nl")
        assert i18n.param_label(r["name"], r["label"], "en") == r["label"]


def test_unknown_language_or_key_is_refused():
    with pytest.raises(KeyError, match="language 'de'; allowed: nl, en"):
        i18n.t("app.title", "de")
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "nl")
