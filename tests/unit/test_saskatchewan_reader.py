"""The Saskatchewan XML reader: streamed, hostile feeds refused, bad elements rejected by path."""

from __future__ import annotations

import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from adapters.base.records import ExportUnreadable, Rejection
from adapters.generate import generate
from adapters.saskatchewan.reader import MAX_ATTRIBUTE, MAX_MARKUP_BYTES, SaskatchewanReader
from hub.domain.model import Credential, CredentialKind, GrantKind, Institution, Rule

HEAD = '<TransferCreditGuide province="SK" generated="2026-11-01T06:00:00Z">'
USASK = ('<Institution id="USASK" name="University of Saskatchewan" creditUnit="credit units" '
         'standardCourse="3"><Grade letter="A+" minPercent="90"/>'
         '<Grade letter="C" minPercent="60"/></Institution>')


def equivalency(eid: str = "SKTCG-4471", *, sending: str = '<Sending institution="SAPO">'
                '<Course code="COSC 100"/></Sending>',
                receiving: str = '<Receiving institution="USASK" grant="course">'
                '<Course code="CMPT 140" credits="3"/></Receiving>',
                extra: str = '<Condition minimumGrade="60"/>', version: str = "1",
                start: str = "2020-09-01", end: str = "") -> str:
    return (f'<Equivalency id="{eid}" version="{version}" effectiveFrom="{start}" '
            f'effectiveTo="{end}">{sending}{receiving}{extra}</Equivalency>')


def feed(tmp_path: Path, *elements: str) -> Path:
    path = tmp_path / "saskatchewan.xml"
    path.write_text(HEAD + "\n".join(elements) + "</TransferCreditGuide>", encoding="utf-8")
    return path


def read(tmp_path: Path, *elements: str) -> list:
    return list(SaskatchewanReader().read(feed(tmp_path, *elements)))


class TestGoodElements:
    """Good elements become fully qualified domain records."""

    def test_institution_with_grades(self, tmp_path: Path) -> None:
        [inst] = read(tmp_path, USASK)
        assert isinstance(inst, Institution) and inst.id == "SK:USASK" and inst.version == 0
        assert inst.credit_system.unit == "credit units"
        assert inst.scale.to_percent("C") == 60

    def test_institution_without_grades_uses_the_default_scale(self, tmp_path: Path) -> None:
        [inst] = read(tmp_path, '<Institution id="SAPO" name="Sask Polytech" '
                                'creditUnit="credits" standardCourse="3"/>')
        assert inst.grading is None

    def test_course_kind_is_optional(self, tmp_path: Path) -> None:
        plain, micro = read(
            tmp_path,
            '<Course institution="SAPO" code="cosc  100" title="CS" credits="3" level="1" '
            'subject="COSC"/>',
            '<Course institution="SAPO" code="MC-1" kind="micro-credential" credits="1.5"/>')
        assert isinstance(plain, Credential) and plain.id == "SK:SAPO:COSC 100"
        assert plain.kind is CredentialKind.COURSE and plain.level == 1 and plain.value == 3
        assert micro.kind is CredentialKind.MICRO_CREDENTIAL

    def test_course_equivalency(self, tmp_path: Path) -> None:
        [rule] = read(tmp_path, equivalency())
        assert isinstance(rule, Rule) and rule.id == "SK:SKTCG-4471" and rule.version == 1
        assert rule.sending == ("SK:SAPO:COSC 100",)
        assert rule.receiving_institution == "SK:USASK"
        [[grant]] = rule.alternatives
        assert (grant.kind, grant.code, grant.credits) == (GrantKind.COURSE, "CMPT 140", 3.0)
        assert rule.min_grade == "60"
        assert rule.effective_start == date(2020, 9, 1) and rule.effective_end is None

    def test_unassigned_block_and_none_grants(self, tmp_path: Path) -> None:
        a, b, c = read(
            tmp_path,
            equivalency("A", sending='<Sending institution="BC:CAPU"><Course code="ENGL 100"/>'
                        '</Sending>', receiving='<Receiving institution="UREGINA" '
                        'grant="unassigned" subject="ENGL" level="1" credits="3"/>',
                        extra="", end="2022-12-31"),
            equivalency("B", receiving='<Receiving institution="USASK" grant="block" '
                        'program="BComm" credits="30"/>', extra=""),
            equivalency("C", receiving='<Receiving institution="USASK" grant="none"/>', extra=""))
        assert a.sending == ("BC:CAPU:ENGL 100",) and a.effective_end == date(2022, 12, 31)
        assert a.alternatives[0][0].subject == "ENGL" and a.alternatives[0][0].level == 1
        assert b.outcome is GrantKind.BLOCK and b.alternatives[0][0].program == "BComm"
        assert c.outcome is GrantKind.NO_CREDIT and c.alternatives == () and c.min_grade is None


    @pytest.mark.parametrize("grant", ["assessment", "no_credit"])
    def test_assessment_and_the_models_own_no_credit_word(self, tmp_path: Path,
                                                          grant: str) -> None:
        """MODEL.md's words are read beside the feed's own ``none``."""
        [rule] = read(tmp_path, equivalency(
            receiving=f'<Receiving institution="USASK" grant="{grant}"/>', extra=""))
        expected = GrantKind.ASSESSMENT if grant == "assessment" else GrantKind.NO_CREDIT
        assert rule.outcome is expected and rule.alternatives == ()


class TestBadElements:
    """A bad element is rejected with its path and the feed goes on."""

    @pytest.mark.parametrize(("bad", "words"), [
        (equivalency(version="0"), "version"),
        (equivalency(version="two"), "version"),
        (equivalency(start="01/09/2020"), "YYYY-MM-DD"),
        (equivalency(end="2019-01-01"), "before"),
        (equivalency(receiving='<Receiving institution="USASK" grant="transfer"/>'), "grant"),
        (equivalency(receiving='<Receiving institution="USASK" grant="unassigned" '
                     'subject="ENGL" credits="3"/>'), "level"),
        (equivalency(receiving='<Receiving institution="USASK" grant="course"/>'), "Course"),
        (equivalency(receiving='<Receiving institution="USASK" grant="course">'
                     '<Course code="X 1" credits="three"/></Receiving>'), "credits"),
        (equivalency(sending='<Sending institution="SAPO"/>'), "Sending"),
        (equivalency(sending=""), "Sending"),
        (equivalency(extra='<Condition minimumGrade="excellent"/>'), "min_grade"),
        (equivalency(extra='<Condition minimumGrade="٦٠"/>'), "min_grade"),
        (equivalency(receiving='<Receiving institution="USASK" grant="course">'
                     '<Course code="X 1" credits="٣"/></Receiving>'), "credits"),
        (equivalency(start="٢٠٢٠-09-01"), "YYYY-MM-DD"),
        ('<Course institution="SAPO" code="X 1" kind="badge"/>', "kind"),
        ('<Institution id="SAPO" name="P" creditUnit="credits" standardCourse="0"/>',
         "standardCourse"),
        ('<Equivalence id="X"/>', "unknown element"),
    ])
    def test_rejection_names_path_and_problem(self, tmp_path: Path, bad: str,
                                              words: str) -> None:
        out = read(tmp_path, USASK, bad, equivalency("LATER"))
        assert isinstance(out[0], Institution) and isinstance(out[2], Rule)
        assert isinstance(out[1], Rejection) and words in out[1].reason
        assert out[1].where.startswith("/TransferCreditGuide/")

    def test_path_index_counts_that_element_name_among_siblings(self, tmp_path: Path) -> None:
        elements = [USASK] + [equivalency(f"E{i}") for i in range(1, 12)]
        elements.insert(5, '<Course institution="SAPO" code="A 1"/>')
        elements.append(equivalency("E12", version="x"))
        out = read(tmp_path, *elements)
        assert out[-1] == Rejection("/TransferCreditGuide/Equivalency[12]", out[-1].reason,
                                    "SK:E12")
        assert sum(isinstance(x, Rule) for x in out) == 11


class TestProvinceIsolation:
    """Only SK institutions and credentials, and rules received in SK, go out."""

    def test_other_provinces_institution_and_course_are_rejected(self, tmp_path: Path) -> None:
        out = read(tmp_path, USASK,
                   '<Institution id="BC:CAPU" name="C" creditUnit="credits" standardCourse="3"/>',
                   '<Course institution="ON:SENE" code="IPC144"/>')
        assert [x.where for x in out[1:]] == ["/TransferCreditGuide/Institution[2]",
                                             "/TransferCreditGuide/Course[1]"]
        assert all("not in SK" in x.reason for x in out[1:])

    def test_rule_received_in_another_province_is_rejected(self, tmp_path: Path) -> None:
        out = read(tmp_path, USASK, equivalency(
            receiving='<Receiving institution="BC:UBCV" grant="none"/>'))
        assert "receiving institution BC:UBCV is not in SK" in out[1].reason

    def test_a_feed_of_another_province_is_unreadable(self, tmp_path: Path) -> None:
        path = tmp_path / "ab.xml"
        path.write_text('<TransferCreditGuide province="AB">' + USASK + "</TransferCreditGuide>")
        with pytest.raises(ExportUnreadable, match="AB"):
            list(SaskatchewanReader().read(path))


LOL = ['<!ENTITY lol "lol">'] + [
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)]
BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + "\n".join(LOL)
                  + f"]>\n{HEAD}{USASK}<Note>&lol9;</Note></TransferCreditGuide>\n")
EXTERNAL = ('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            f"{HEAD}{USASK}<Note>&e;</Note></TransferCreditGuide>")


class TestHostileAndBroken:
    """Hostile or broken feeds raise ExportUnreadable, fast and in bounded memory."""

    @pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "xxe"])
    def test_entity_declarations_are_refused_before_any_record(self, tmp_path: Path,
                                                               text: str) -> None:
        path = tmp_path / "hostile.xml"
        path.write_text(text)
        seen = []
        tracemalloc.start()
        started = time.perf_counter()
        try:
            with pytest.raises(ExportUnreadable, match="DOCTYPE"):
                for item in SaskatchewanReader().read(path):
                    seen.append(item)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert time.perf_counter() - started < 1.0
        assert peak < 5_000_000
        assert seen == []

    def test_doctype_without_entities_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "dtd.xml"
        path.write_text(f'<!DOCTYPE TransferCreditGuide SYSTEM "guide.dtd">{HEAD}{USASK}'
                        "</TransferCreditGuide>")
        with pytest.raises(ExportUnreadable, match="DOCTYPE"):
            list(SaskatchewanReader().read(path))

    @pytest.mark.parametrize(("content", "words"), [
        (b"", "empty"),
        (b"not xml at all", "not well-formed"),
        (b"<Guide/>", "root element"),
        (HEAD.encode() + b"</TransferCreditGuide>", "no readable record"),
    ])
    def test_unreadable_feeds(self, tmp_path: Path, content: bytes, words: str) -> None:
        path = tmp_path / "bad.xml"
        path.write_bytes(content)
        with pytest.raises(ExportUnreadable, match=words):
            list(SaskatchewanReader().read(path))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match="no such file"):
            list(SaskatchewanReader().read(tmp_path / "absent.xml"))

    def test_a_feed_cut_short_is_unreadable_after_what_came_before(self, tmp_path: Path) -> None:
        path = tmp_path / "cut.xml"
        body = "".join(equivalency(f"E{i}") for i in range(2000))
        path.write_text(HEAD + USASK + body + '<Equivalency id="X" vers')
        seen = []
        with pytest.raises(ExportUnreadable, match="cut short"):
            for item in SaskatchewanReader().read(path):
                seen.append(item)
        assert all(isinstance(x, Institution | Rule) for x in seen)


class TestEndlessMarkup:
    """Expat holds an unfinished tag whole and parses it again with every chunk: a 40 MB
    attribute took 16 s and 300 MB, 200 MB never ended. Markup over 1 MiB refuses the
    feed at once (hostile or broken); an attribute over the field cap rejects its element."""

    SK = ('<Institution id="SAPO" name="Saskatchewan Polytechnic" creditUnit="credits" '
          'standardCourse="3"/>')

    @pytest.mark.parametrize("endless", [
        '<Institution id="UREGINA" creditUnit="c" standardCourse="3" name="{}"/>',
        '<Institution id="UREGINA" name="R" creditUnit="c" standardCourse="3">'
        '<Grade letter="{}" minPercent="1"/></Institution>',
        "<!-- {} -->",
        '<?pi {}?>',
        '<Course a{}="1"/>',
    ], ids=["attribute", "nested-attribute", "comment", "instruction", "attribute-name"])
    def test_refused_fast_after_what_came_before(self, tmp_path: Path, endless: str) -> None:
        filler = "<" if endless.startswith(("<!--", "<?")) else "U"
        path = feed(tmp_path, USASK, self.SK,
                    endless.format(filler * (MAX_MARKUP_BYTES * 32)), self.SK)
        seen = []
        tracemalloc.start()
        started = time.perf_counter()
        try:
            with pytest.raises(ExportUnreadable, match=r"refused: markup starting at byte "
                               r"[0-9,]+ \(line 3, (after|inside) /TransferCreditGuide/"
                               r"Institution\[[23]\]\) runs over 1,048,576 bytes"):
                for item in SaskatchewanReader().read(path):
                    seen.append(item)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # Before the cap, expat re-read the held tag with every chunk: a 32 MiB one took
        # about 10 s here; 3 s leaves room for a loaded CI machine.
        assert time.perf_counter() - started < 3.0
        assert peak < 4 * MAX_MARKUP_BYTES   # the feed is 32 MiB
        assert [x.id for x in seen] == ["SK:USASK", "SK:SAPO"]

    def test_a_long_text_run_is_not_held(self, tmp_path: Path) -> None:
        # expat passes text on as it comes: it is ignored, never held
        path = feed(tmp_path, USASK, " " * (MAX_MARKUP_BYTES * 4), self.SK)
        assert [x.id for x in SaskatchewanReader().read(path)] == ["SK:USASK", "SK:SAPO"]

    @pytest.mark.parametrize("padding", [0, 40_000, 65_535])   # against chunk boundaries
    @pytest.mark.parametrize("letter", ["U", "é"])
    def test_an_attribute_over_the_field_cap_rejects_its_element(
            self, tmp_path: Path, padding: int, letter: str) -> None:
        at_cap = letter * MAX_ATTRIBUTE
        items = read(tmp_path, " " * padding,
                     f'<Institution id="USASK" name="{at_cap}x" creditUnit="c" '
                     'standardCourse="3"/>',
                     f'<Institution id="UREGINA" name="U" about="{at_cap}" creditUnit="c" '
                     'standardCourse="3"/>',
                     '<Institution id="RIVP" name="R" creditUnit="c" standardCourse="3">'
                     f'<Grade letter="A" minPercent="9{at_cap}"/></Institution>', self.SK)
        assert [(x.where, x.reason, x.entity_key) for x in items if isinstance(x, Rejection)] == [
            ("/TransferCreditGuide/Institution[1]", "<Institution> attribute name is 131,073 "
             "characters long, more than the 131,072 allowed", "SK:USASK"),
            ("/TransferCreditGuide/Institution[3]", "<Grade> attribute minPercent is 131,073 "
             "characters long, more than the 131,072 allowed", "SK:RIVP"),
        ]
        assert [x.id for x in items if not isinstance(x, Rejection)] == ["SK:UREGINA",
                                                                        "SK:SAPO"]


class TestStreaming:
    """A large feed is read in memory far below its size."""

    def test_20_mb_feed_peaks_well_under_its_size(self, tmp_path: Path) -> None:
        path = generate("SK", tmp_path, rules=60_000, institutions=50, seed=7)
        size = path.stat().st_size
        assert size > 19_000_000
        tracemalloc.start()
        try:
            rules = 0
            for item in SaskatchewanReader().read(path):
                assert not isinstance(item, Rejection), item
                rules += isinstance(item, Rule)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert rules == 60_000
        assert peak < size / 20, f"peak {peak} bytes for a {size}-byte feed"


class TestRejectionsNameTheirEntity:
    """A rejected element names the entity it was about when its id still reads."""

    @pytest.mark.parametrize(("bad", "key"), [
        (equivalency(version="x"), "SK:SKTCG-4471"),
        (equivalency(receiving='<Receiving institution="USASK" grant="loan"/>'),
         "SK:SKTCG-4471"),
        (equivalency(receiving=""), "SK:SKTCG-4471"),
        (equivalency(receiving='<Receiving grant="none"/>'), "SK:SKTCG-4471"),
        ('<Course institution="sapo" code="COSC 100" credits="many"/>', "SK:SAPO:COSC 100"),
        ('<Institution id="SAPO" name="P" creditUnit="credits" standardCourse="0"/>',
         "SK:SAPO"),
    ], ids=["version", "grant", "no-receiving", "receiving-without-institution", "course",
            "institution"])
    def test_key_is_the_one_the_good_record_would_have(self, tmp_path: Path, bad: str,
                                                       key: str) -> None:
        out = read(tmp_path, USASK, bad)
        assert isinstance(out[1], Rejection) and out[1].entity_key == key

    def test_key_matches_the_published_id_of_the_repaired_element(self, tmp_path: Path) -> None:
        bad = '<Course institution=" sapo " code="COSC 100" credits="many"/>'
        _, rejection = read(tmp_path, USASK, bad)
        _, good = read(tmp_path, USASK, bad.replace("many", "3"))
        assert rejection.entity_key == good.id

    @pytest.mark.parametrize("bad", [
        '<Equivalence id="X"/>',
        equivalency("has space"),
        '<Equivalency version="1"/>',
        '<Course institution="SAPO" credits="3"/>',
        '<Institution name="Nameless" creditUnit="credits" standardCourse="3"/>',
    ], ids=["unknown-element", "bad-id", "no-id", "no-code", "no-institution-id"])
    def test_unreadable_entity_has_no_key(self, tmp_path: Path, bad: str) -> None:
        out = read(tmp_path, USASK, bad)
        assert isinstance(out[1], Rejection) and out[1].entity_key is None

    @pytest.mark.parametrize("bad", [
        '<Institution id="BC:CAPU" name="C" creditUnit="credits" standardCourse="3"/>',
        '<Course institution="ON:SENE" code="IPC144"/>',
        equivalency(receiving='<Receiving institution="BC:UBCV" grant="none"/>'),
        equivalency(version="x", receiving='<Receiving institution="AB:UOFA" grant="none"/>'),
    ], ids=["institution", "course", "rule", "damaged-foreign-rule"])
    def test_another_provinces_record_has_no_key(self, tmp_path: Path, bad: str) -> None:
        out = read(tmp_path, USASK, bad)
        assert isinstance(out[1], Rejection) and out[1].entity_key is None
