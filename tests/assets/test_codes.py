import pytest

from cityops.assets.codes import make_component_ident, validate_component_ident
from cityops.core.errors import InvalidInput


def test_make_component_ident_joins_admin_code_class_code_and_padded_sequence():
    assert make_component_ident("510104", "01001", 42) == "51010401001000042"


def test_validate_component_ident_splits_a_good_identifier():
    assert validate_component_ident("51010401001000042") == ("510104", "01001", 42)


@pytest.mark.parametrize("ident", ["5101040100100004", "510104010010000420", ""])
def test_validate_component_ident_refuses_the_wrong_length(ident):
    with pytest.raises(InvalidInput, match="17 digits"):
        validate_component_ident(ident)


@pytest.mark.parametrize("ident", ["5101040100100004A", "51010401001 00042", "５１０１０４０１００１０００４２"])
def test_validate_component_ident_refuses_non_digits(ident):
    with pytest.raises(InvalidInput, match="digits"):
        validate_component_ident(ident)


def test_validate_component_ident_refuses_sequence_zero():
    with pytest.raises(InvalidInput, match="000000"):
        validate_component_ident("51010401001000000")


@pytest.mark.parametrize(
    ("admin", "cls", "seq", "field"),
    [("51010", "01001", 1, "admin_code"), ("510104", "0100", 1, "class_code"), ("510104", "0100A", 1, "class_code"),
     ("510104", "01001", 0, "sequence"), ("510104", "01001", 1_000_000, "sequence")],
)
def test_make_component_ident_refuses_malformed_parts(admin, cls, seq, field):
    with pytest.raises(InvalidInput) as exc:
        make_component_ident(admin, cls, seq)
    assert exc.value.field == field
