"""The Simplified Chinese catalogue covers every translatable string in the code, keeps every placeholder,
and its compiled .mo is current."""

from __future__ import annotations

import ast
import contextlib
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

import cityops

SOURCE = Path(cityops.__file__).parent
LC = SOURCE / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-+ #0-9.]*[sdrfx]|%[sdrf]|\{[a-z_0-9]*\}")
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
MISSING_TOOLS = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
FIX = "run `DEBUG=true cityops makemessages -l zh_Hans --ignore=.venv --no-obsolete --no-wrap` in src/cityops, " \
      "translate, then `cityops compilemessages`"


def _entries(po: Path) -> list[dict]:
    """Non-obsolete entries of a .po file as {flags, refs, msgctxt, msgid, msgid_plural, msgstr: [..]} (header
    skipped); one entry per blank-line separated block."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": "", "refs": [], "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = line
            elif line.startswith("#:"):
                entry["refs"].extend(line[2:].split())
            elif line.startswith("#"):
                continue  # translator comments, previous msgids (#|) and obsolete entries (#~)
            elif match := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line):
                key, text = match.group(1), ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    entry["msgstr"].append(text)
                else:
                    entry[key] = text
            elif line.startswith('"') and key:  # continuation of a wrapped string
                text = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry["msgstr"][-1] += text
                else:
                    entry[key] += text
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def _key(entry: dict) -> tuple[str, str]:
    return entry.get("msgctxt", ""), entry["msgid"]


ENTRIES = _entries(LC / "django.po")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """What makemessages finds in the code now: it runs on a copy of the source tree into an empty locale dir,
    so the committed catalogue is never touched."""
    if MISSING_TOOLS:
        pytest.skip(f"GNU gettext is not installed (missing {', '.join(MISSING_TOOLS)}); apt-get install gettext")
    copy = tmp_path_factory.mktemp("messages") / "cityops"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "*.pyc"))
    (copy / "locale").mkdir()
    # LOCALE_PATHS points at the real catalogue; emptied, makemessages only sees the copy's own locale dir.
    with override_settings(LOCALE_PATHS=[]), contextlib.chdir(copy):
        call_command("makemessages", locale=["zh_Hans"], ignore_patterns=[".venv"], no_obsolete=True,
                     no_wrap=True, verbosity=0)
    return {_key(e): e for e in _entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}


def test_the_catalogue_has_entries():
    assert len(ENTRIES) > 300


def test_every_translatable_string_in_the_code_is_in_the_catalogue(extracted):
    catalogued = {_key(e) for e in ENTRIES}
    missing = [f"{e['refs'][0] if e['refs'] else '?'}: {e['msgid']!r}"
               for key, e in extracted.items() if key not in catalogued]
    assert not missing, f"{len(missing)} string(s) not in django.po; {FIX}:\n" + "\n".join(missing)


def test_the_catalogue_holds_no_string_the_code_no_longer_uses(extracted):
    stale = [e["msgid"] for e in ENTRIES if _key(e) not in extracted]
    assert not stale, f"{len(stale)} stale string(s) in django.po; {FIX}:\n" + "\n".join(map(repr, stale))


def test_plural_forms_match_the_code(extracted):
    differ = [e["msgid"] for e in ENTRIES
              if _key(e) in extracted and e.get("msgid_plural") != extracted[_key(e)].get("msgid_plural")]
    assert differ == [], FIX


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


def test_labels_with_a_chinese_term_translate_to_just_that_term():
    """"Closed (已结案)" reads 已结案 in Chinese, never the English or the brackets."""
    labelled = [e for e in ENTRIES if "%" not in e["msgid"]
                and re.fullmatch(r"[^()]+ \(([^()]*[\u4e00-\u9fff][^()]*)\)", e["msgid"])]
    assert len(labelled) > 30
    wrong = [(e["msgid"], e["msgstr"][0]) for e in labelled
             if re.search(r"[()（）A-Za-z]", e["msgstr"][0])]
    assert wrong == []
