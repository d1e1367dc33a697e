import pytest

from verification.phone import InvalidNumber, normalise, normalise_stored, pretty

ACCEPTED = [
    ("06 12345678", "+31612345678"),
    ("06-1234-5678", "+31612345678"),
    ("06.12.34.56.78", "+31612345678"),
    ("+31612345678", "+31612345678"),
    ("+31 6 12345678", "+31612345678"),
    ("+31 (0)6 1234 5678", "+31612345678"),
    ("0031 6 12345678", "+31612345678"),
    ("  06 12345678  ", "+31612345678"),
    ("０６１２３４５６７８", "+31612345678"),  # full-width digits
    ("٠٦١٢٣٤٥٦٧٨", "+31612345678"),  # Arabic-Indic digits
    ("+46 70 123 45 67", "+46701234567"),  # Sweden, written internationally
    ("+32 470 12 34 56", "+32470123456"),  # Belgium
]


@pytest.mark.parametrize(("typed", "e164"), ACCEPTED)
def test_it_accepts_what_people_type(typed, e164):
    assert normalise(typed, region="NL") == e164


REFUSED = [
    "",
    "   ",
    "hello",
    "06 1234",  # too short
    "06 123456789012",  # over-long
    "+31 20 123 4567",  # Amsterdam landline
    "0900 1234567",  # premium rate
    "0800 0123",  # toll free
    "+31 85 123 4567",  # VoIP / location-independent
    "0909 1234567",  # premium
    "+44 870 123 4567",  # UK shared cost
    "06 12345678 ext 3",  # an extension is not a mobile
    "06 1234\r\n5678",  # CR/LF
    "06 1234\x005678",  # NUL
    "06\u202e12345678",  # right-to-left override
    "06\t12345678",
    "1" * 10_000,  # 10 kB
    "+31 6 1234 5678" * 50,
]


@pytest.mark.parametrize("typed", REFUSED)
def test_it_refuses_what_is_not_a_mobile_number(typed):
    with pytest.raises(InvalidNumber) as e:
        normalise(typed, region="NL")
    assert "valid mobile" in str(e.value.message)


@pytest.mark.parametrize("typed", ["+1 202 555 0143", "+7 912 345 67 89", "+234 803 123 4567"])
def test_it_refuses_numbers_outside_the_served_regions(typed):
    with pytest.raises(InvalidNumber) as e:
        normalise(typed, region="NL")
    assert "EU" in str(e.value.message)


def test_it_gives_an_example_for_the_default_country():
    with pytest.raises(InvalidNumber) as e:
        normalise("nope", region="SE")
    assert "+46" in str(e.value.message)


def test_it_uses_the_configured_country_by_default(settings):
    settings.DSAR_COUNTRY = "SE"
    assert normalise("070-123 45 67") == "+46701234567"


def test_it_translates_the_refusal():
    from django.utils import translation

    with translation.override("nl"), pytest.raises(InvalidNumber) as e:
        normalise("nope", region="NL")
    assert "mobiel" in str(e.value.message)


def test_it_normalises_stored_numbers_leniently():
    assert normalise_stored("070-1234567", region="NL") == "+31701234567"
    assert normalise_stored("0031612345678", region="NL") == "+31612345678"
    assert normalise_stored("garbage", region="NL") is None
    assert normalise_stored(None) is None


def test_it_formats_for_display():
    assert pretty("+31612345678") == "+31 6 12345678"
