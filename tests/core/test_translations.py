"""The Simplified Chinese catalogue is complete, keeps every placeholder, and its compiled .mo is current."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

import cityops

LC = Path(cityops.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-+ #0-9.]*[sdrfx]|%[sdrf]")


def _entries() -> list[dict]:
    """Non-obsolete entries of django.po as {msgctxt, msgid, msgid_plural, msgstr: [..]} (header skipped)."""
    entries, current, key = [], None, None
    for line in (LC / "django.po").read_text(encoding="utf-8").splitlines():
        if line.startswith("#~") or (line.startswith("#") and not line.startswith("#,")):
            continue
        if not line.strip():
            current, key = None, None
            continue
        if line.startswith("#,"):
            current = {"flags": line, "msgstr": []}
            entries.append(current)
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line)
        if match:
            if current is None:
                current = {"flags": "", "msgstr": []}
                entries.append(current)
            key, text = match.group(1), ast.literal_eval(match.group(2))
            if key.startswith("msgstr"):
                current["msgstr"].append(text)
            else:
                current[key] = text
        elif line.startswith('"') and current is not None and key:
            text = ast.literal_eval(line)
            if key.startswith("msgstr"):
                current["msgstr"][-1] += text
            else:
                current[key] += text
    return [e for e in entries if e.get("msgid")]


ENTRIES = _entries()


def test_the_catalogue_has_entries():
    assert len(ENTRIES) > 300


def test_every_string_has_a_chinese_translation():
    missing = [e["msgid"] for e in ENTRIES if not all(e["msgstr"])]
    assert missing == []


def test_no_translation_is_marked_fuzzy():
    assert [e["msgid"] for e in ENTRIES if "fuzzy" in e["flags"]] == []


@pytest.mark.parametrize("entry", [e for e in ENTRIES if PLACEHOLDER.search(e["msgid"])], ids=lambda e: e["msgid"][:40])
def test_translations_keep_every_placeholder(entry):
    expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
    for text in entry["msgstr"]:
        assert sorted(PLACEHOLDER.findall(text)) == expected


def test_the_compiled_catalogue_matches_the_source():
    with open(LC / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for e in ENTRIES:
        if "msgid_plural" in e:
            assert compiled.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr"][0], e["msgid"]
        elif "msgctxt" in e:
            assert compiled.pgettext(e["msgctxt"], e["msgid"]) == e["msgstr"][0], e["msgid"]
        else:
            assert compiled.gettext(e["msgid"]) == e["msgstr"][0], e["msgid"]


def test_role_labels_are_plain_chinese_in_chinese():
    by_id = {e["msgid"]: e["msgstr"][0] for e in ENTRIES}
    assert by_id["Inspector (监督员)"] == "监督员"
    assert by_id["department"] == "部门"
    assert by_id["unit grid"] == "单元网格"
