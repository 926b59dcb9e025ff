"""Real BC Transfer Guide forms a third audit found misread, each read as a registrar would.

The strings are written after the real ones with other institution and course
codes (the real text stays in ``../shared/data``). Each test asserts the whole
meaning: outcome, every alternative, every grant with its kind, code, credits
and designation, the notes, and the sending side.
"""

from __future__ import annotations

from adapters.bc.notation import parse_transfer_credit, render_transfer_credit
from tests.unit.test_bc_notation_real_forms import COURSE, UNASSIGNED, course, unassigned


class TestTagAfterAOneWordLabel:
    """``SFU ABC 1XX (3), ANTH B-Soc``: a one-word label (the stream) and then the tag.

    The Guide writes the same meaning elsewhere as ``…, B-Soc, Anthropology``:
    a registrar reads B-Soc as the grant's designation and the word as a note.
    The tag must not be lost into the notes.
    """

    def test_the_tag_is_the_grants_and_the_word_a_note(self) -> None:
        credit = parse_transfer_credit("SFU ABC 1XX (3), ANTH B-Soc", "SFU")
        assert credit.outcome is UNASSIGNED
        assert credit.alternatives == ((unassigned("ABC", 1, 3.0, "B-Soc"),),)
        assert credit.notes == "ANTH"
        assert (credit.sending, credit.sending_institution, credit.any_n) == ((), None, None)

    def test_notes_after_the_tag_are_kept_after_the_word(self) -> None:
        credit = parse_transfer_credit(
            "LANG ABCD 1110 (3) & LANG ABCD 1120 (3) = SFU ABC 101 (3) & SFU ABC 1XX (3), "
            "Anthropology Q/B-Soc. Student's choice.", "SFU")
        assert credit.outcome is COURSE
        assert credit.alternatives == (
            (course("ABC 101", 3.0), unassigned("ABC", 1, 3.0, "Q/B-Soc")),)
        assert credit.notes == "Anthropology; Student's choice."
        assert (credit.sending, credit.sending_institution, credit.any_n) == (
            ("ABCD 1110", "ABCD 1120"), "LANG", None)

    def test_the_reading_survives_rendering(self) -> None:
        credit = parse_transfer_credit("SFU ABC 1XX (3), ANTH B-Soc", "SFU")
        assert parse_transfer_credit(render_transfer_credit(credit, "SFU"), "SFU") == credit

    def test_words_that_are_no_tag_stay_a_note(self) -> None:
        """``Field C``, ``Group 2``, ``Physical A``: the Guide's stream labels, no tags."""
        for note in ("Field C", "Group 2", "Physical A", "ANTH B-Sociology",
                     "SOCI B-Soc courses only"):
            credit = parse_transfer_credit(f"SFU ABC 1XX (3), {note}", "SFU")
            assert credit.alternatives == ((unassigned("ABC", 1, 3.0),),), note
            assert credit.notes == note

    def test_a_tag_after_a_sentence_in_the_notes_is_the_notes(self) -> None:
        """Only a lone word before the tag: a tag inside a sentence names another course."""
        credit = parse_transfer_credit(
            "SFU ABC 101 (3), Student may request SFU DEF 1XX (3) - B-Hum", "SFU")
        assert credit.alternatives == ((course("ABC 101", 3.0),),)
        assert credit.notes == "Student may request SFU DEF 1XX (3) - B-Hum"
