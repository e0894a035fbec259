"""Every text of the browser view exists in Dutch and English."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm.params import schema_rows
from viz import i18n

ROOT = Path(__file__).resolve().parents[1]


def test_every_text_has_dutch_and_english():
    for key, texts in i18n.TEXT.items():
        assert set(texts) == set(i18n.LANGS), key
        assert all(texts[lang].strip() for lang in i18n.LANGS), key
    for term, texts in i18n.GLOSSARY.items():
        assert set(texts) == set(i18n.LANGS), term


def test_every_parameter_unit_and_group_has_a_dutch_name():
    """Declared once: each parameter's Dutch label sits in the schema, next to the English one."""
    rows = [r for r in schema_rows() if r["kind"] == "param"]
    for r in rows:
        assert r["label_nl"].strip(), r["name"]
        assert i18n.param_label(r["name"], "nl") == r["label_nl"]
        assert i18n.param_label(r["name"], "en") == r["label"]
        assert i18n.unit_label(r["unit"], "nl")
        assert i18n.group_label(r["group"], "nl")
    assert not (ROOT / "viz" / "params_nl.py").exists(), "Dutch labels belong in the schema (abm/params.py)"


def test_a_parameter_without_a_dutch_label_cannot_be_declared():
    from abm.params import par

    with pytest.raises(TypeError, match="label_nl"):
        par(0.5, 0.0, 1.0, "0-1", "a new parameter", "assumption", "levels")


def test_unknown_language_or_key_is_refused():
    with pytest.raises(KeyError, match="language 'de'; allowed: nl, en"):
        i18n.t("app.title", "de")
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "nl")
