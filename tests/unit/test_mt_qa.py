"""MT draft QA: numbers, dates, URLs, e-mails and phone numbers carried over from the source."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.mt.qa import Flag, check_segment

SOURCE = (
    "Your hearing is on December 31, 2026 at 9:30 a.m. Bring $1,250.50 and 3 documents. "
    "Call (704) 555-0142 or write to help@charlotte.gov. Details: https://charlotte.gov/hearings."
)

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow],
)


def kinds(flags: list[Flag]) -> list[str]:
    """The kinds flagged, in the order returned."""
    return [flag.kind for flag in flags]


# --- clean translations -----------------------------------------------------------------------


def test_clean_spanish_translation_gives_no_flags() -> None:
    draft = (
        "Su audiencia es el 31 de diciembre de 2026 a las 9:30 a. m. Traiga $1.250,50 y "
        "3 documentos. Llame al (704) 555-0142 o escriba a help@charlotte.gov. "
        "Detalles: https://charlotte.gov/hearings."
    )
    assert check_segment(SOURCE, draft) == []


def test_clean_vietnamese_translation_gives_no_flags() -> None:
    draft = (
        "Phiên điều trần của bạn vào ngày 31 tháng 12 năm 2026 lúc 9:30 sáng. Mang theo "
        "1.250,50 đô la và 3 giấy tờ. Gọi (704) 555-0142 hoặc viết thư tới help@charlotte.gov. "
        "Chi tiết: https://charlotte.gov/hearings."
    )
    assert check_segment(SOURCE, draft) == []


def test_clean_arabic_translation_with_arabic_indic_digits_gives_no_flags() -> None:
    draft = (
        "جلستك في ٣١ ديسمبر ٢٠٢٦ الساعة ٩:٣٠ صباحًا. أحضر ١٬٢٥٠٫٥٠ دولارًا و٣ مستندات. "
        "اتصل على \u200e(٧٠٤) ٥٥٥-٠١٤٢\u200f أو راسل help@charlotte.gov. "
        "التفاصيل: https://charlotte.gov/hearings."
    )
    assert check_segment(SOURCE, draft) == []


def test_clean_hindi_translation_with_devanagari_digits_gives_no_flags() -> None:
    draft = (
        "आपकी सुनवाई ३१ दिसंबर २०२६ को सुबह ९:३० बजे है। $१,२५०.५० और ३ दस्तावेज़ लाएँ। "
        "(७०४) ५५५-०१४२ पर कॉल करें या help@charlotte.gov पर लिखें। "
        "विवरण: https://charlotte.gov/hearings।"
    )
    assert check_segment(SOURCE, draft) == []


def test_clean_chinese_translation_gives_no_flags() -> None:
    draft = (
        "您的听证会定于2026年12月31日上午9:30举行。请携带1,250.50美元和3份文件。"
        "请致电(704) 555-0142或发送电子邮件至help@charlotte.gov。"
        "详情请见：https://charlotte.gov/hearings。"
    )
    assert check_segment(SOURCE, draft) == []


def test_clean_thai_translation_with_thai_digits_gives_no_flags() -> None:
    draft = (
        "การพิจารณาคดีของคุณคือวันที่ ๓๑ ธันวาคม ๒๐๒๖ เวลา ๐๙.๓๐ น. "
        "โปรดนำเงิน ๑,๒๕๐.๕๐ ดอลลาร์และเอกสาร ๓ ฉบับมาด้วย โทร (๗๐๔) ๕๕๕-๐๑๔๒ "
        "หรือเขียนถึง help@charlotte.gov รายละเอียด: https://charlotte.gov/hearings"
    )
    assert check_segment(SOURCE, draft) == []


def test_clean_french_translation_with_space_grouping_and_9_h_30_gives_no_flags() -> None:
    draft = (
        "Votre audience aura lieu le 31 décembre 2026 à 9 h 30. Apportez 1\u202f250,50 $ et "
        "3 documents. Appelez le 704-555-0142 ou écrivez à help@charlotte.gov. "
        "Détails : https://charlotte.gov/hearings."
    )
    assert check_segment(SOURCE, draft) == []


@pytest.mark.parametrize(
    "digits",
    ["០", "໐", "௦", "౦", "０", "०", "٠", "۰"],
    ids=["khmer", "lao", "tamil", "telugu", "full-width", "devanagari", "arabic-indic", "persian"],
)
def test_a_number_in_another_script_equals_its_ascii_form(digits: str) -> None:
    zero = ord(digits)
    native = "".join(chr(zero + int(d)) for d in "1250")
    assert check_segment("Pay 1250 now.", f"Payez {native} maintenant.") == []


# --- each difference gives exactly its flag -----------------------------------------------------


def test_a_changed_number_gives_a_number_flag() -> None:
    flags = check_segment("The fee is $1,250.50.", "La tarifa es de $1.350,50.")
    assert flags == [Flag("number", ("1250.5",), ("1350.5",))]


def test_a_dropped_url_gives_a_url_flag() -> None:
    flags = check_segment("See https://charlotte.gov/water.", "Consulte el sitio web.")
    assert flags == [Flag("url", ("https://charlotte.gov/water",), ())]


def test_an_altered_email_gives_an_email_flag() -> None:
    flags = check_segment("Write to help@charlotte.gov.", "Escriba a ayuda@charlotte.gov.")
    assert flags == [Flag("email", ("help@charlotte.gov",), ("ayuda@charlotte.gov",))]


def test_a_different_phone_number_gives_only_a_phone_flag() -> None:
    flags = check_segment("Call 704-555-0142.", "Llame al 704-555-0143.")
    assert flags == [Flag("phone", ("+17045550142",), ("+17045550143",))]


def test_a_changed_day_gives_only_a_date_flag() -> None:
    flags = check_segment(
        "The office closes on December 31, 2026.", "La oficina cierra el 30 de diciembre de 2026."
    )
    assert flags == [Flag("date", ("2026-12-31",), ("2026-12-30",))]


def test_a_changed_day_in_a_numeric_chinese_date_gives_only_a_date_flag() -> None:
    flags = check_segment("Closes on December 31, 2026.", "于2026年12月30日关闭。")
    assert flags == [Flag("date", ("2026-12-31",), ("2026-12-30",))]


def test_a_dropped_date_gives_a_date_flag_with_nothing_in_the_draft() -> None:
    assert check_segment("Apply by 12/31/2026.", "Solicite pronto.") == [
        Flag("date", ("2026-12-31",), ())
    ]


def test_flags_come_sorted_by_kind() -> None:
    flags = check_segment(
        "Call 704-555-0142 about 3 items at https://a.gov.", "Llame sobre 4 artículos.", ["QX1Z"]
    )
    assert kinds(flags) == ["number", "phone", "protected_term", "url"]


# --- what MT may change -----------------------------------------------------------------------


def test_phone_number_formatting_differences_give_no_flag() -> None:
    assert check_segment("Call 704-555-0142.", "Llame al (704) 555 0142.") == []


def test_an_international_phone_prefix_gives_no_flag() -> None:
    assert check_segment("Call (704) 555-0142.", "Appelez le +1 704 555 0142.") == []


def test_phone_digits_are_not_counted_as_numbers() -> None:
    flags = check_segment("Call 704-555-0142 or 704-555-0199.", "Llame al 704-555-0142.")
    assert kinds(flags) == ["phone"]


@pytest.mark.parametrize("draft", ["1.250,50 $", "1 250,50 $", "1\u00a0250,50 $", "$1250.5"])
def test_decimal_comma_and_thousands_dot_give_no_flag(draft: str) -> None:
    assert check_segment("It costs $1,250.50.", f"Cuesta {draft}.") == []


def test_a_lone_separator_before_three_digits_reads_the_same_in_both_languages() -> None:
    assert check_segment("1,250 people and 2.500 kg", "1.250 personas y 2,500 kg") == []


def test_indian_digit_grouping_gives_no_flag() -> None:
    assert check_segment("A grant of $1,250,000.", "12,50,000 डॉलर का अनुदान।") == []


def test_a_leading_zero_on_the_hour_gives_no_flag() -> None:
    assert check_segment("Doors open at 9:30.", "Las puertas abren a las 09:30.") == []


def test_a_pm_time_on_the_24_hour_clock_gives_no_flag() -> None:
    assert check_segment("Doors open at 2:30 p.m.", "Las puertas abren a las 14:30.") == []


def test_a_time_written_as_hour_and_minutes_gives_no_flag() -> None:
    assert check_segment("It starts at 9:30.", "会议于9点30分开始。") == []


def test_a_changed_time_gives_a_number_flag() -> None:
    flags = check_segment("It starts at 9:30.", "Empieza a las 10:30.")
    assert flags == [Flag("number", ("9:30",), ("10:30",))]


@pytest.mark.parametrize(
    "draft",
    ["31/12/2026", "31.12.2026", "31 de diciembre de 2026", "2026年12月31日", "2026-12-31"],
)
def test_a_date_rewritten_the_way_the_language_writes_it_gives_no_flag(draft: str) -> None:
    assert check_segment("Apply by December 31, 2026.", f"Solicite antes del {draft}.") == []


def test_a_numeric_us_date_reordered_day_first_gives_no_flag() -> None:
    assert check_segment("Apply by 12/31/2026.", "Solicite antes del 31/12/2026.") == []


def test_a_date_without_a_year_written_day_dot_month_gives_no_flag() -> None:
    assert check_segment("Closed Dec 31.", "Закрыто 31.12.") == []


def test_url_host_and_email_domain_case_give_no_flag() -> None:
    assert (
        check_segment(
            "Visit https://Charlotte.gov/Water or mail Help@Charlotte.GOV.",
            "Visite HTTPS://charlotte.GOV/Water o escriba a Help@charlotte.gov.",
        )
        == []
    )


def test_a_changed_url_path_case_gives_a_url_flag() -> None:
    flags = check_segment("See https://charlotte.gov/Water.", "Vea https://charlotte.gov/water.")
    assert kinds(flags) == ["url"]


def test_punctuation_after_a_url_is_not_part_of_it() -> None:
    assert check_segment("(see www.charlotte.gov/a).", "Vea www.charlotte.gov/a。") == []


# --- protected terms --------------------------------------------------------------------------


def test_missing_placeholders_give_one_protected_term_flag() -> None:
    flags = check_segment("Pay the QX1Z and QX2Z.", "Pague el.", ["QX2Z", "QX1Z"])
    assert flags == [Flag("protected_term", ("QX1Z", "QX2Z"), ())]


def test_no_missing_placeholders_give_no_protected_term_flag() -> None:
    assert check_segment("Pay the QX1Z.", "Pague el QX1Z.", []) == []


# --- property ---------------------------------------------------------------------------------

_words = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
    st.sampled_from(["December", "Dec", "May", "of", "p.m.", "pm", "$", "(", ")", "-", "/"]),
)
_numbers = st.one_of(
    st.integers(0, 10**9).map(str),
    st.integers(0, 10**7).map(lambda n: f"{n:,}"),
    st.tuples(st.integers(0, 10**6), st.integers(0, 99)).map(lambda t: f"${t[0]:,}.{t[1]:02d}"),
    st.tuples(st.integers(0, 10**6), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]}%"),
    st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]}:{t[1]:02d}"),
)
_dates = st.tuples(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
    st.sampled_from(["%Y-%m-%d", "%m/%d/%Y", "%m/%d", "%B %d, %Y", "%b %d", "%d %B %Y"]),
).map(lambda t: t[0].strftime(t[1]))
_label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=6)
_urls = st.builds(
    "{}{}.gov/{}".format, st.sampled_from(["https://", "http://", "www."]), _label, _label
)
_emails = st.builds("{}@{}.org".format, _label, _label)
_phones = st.builds(
    "({}) {}-{:04d}".format, st.integers(200, 999), st.integers(200, 999), st.integers(0, 9999)
)
_texts = st.lists(
    st.tuples(
        st.one_of(_words, _numbers, _dates, _urls, _emails, _phones),
        st.sampled_from([" ", ", ", ". ", " and "]),
    ),
    max_size=12,
).map(lambda parts: "".join(token + sep for token, sep in parts))


@PROPERTY
@given(_texts)
def test_a_text_checked_against_itself_gives_no_flags(text: str) -> None:
    assert check_segment(text, text) == []
