"""Text rules (rag.text): one tokenizer and one table of what a question asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.text import (
    CURRENCY,
    IRREGULAR_FORMS,
    TextDataError,
    count_spans,
    counted_before_verb,
    date_spans,
    focus_words,
    irregular_forms,
    question_kinds,
    question_type,
    refers_back,
    tokenize,
)


def test_tokens_are_stemmed_without_stopwords_and_numbers_stay_whole() -> None:
    assert tokenize("The rebels dominated the 1990 elections") == ["rebel", "domin", "1990", "elect"]


def test_irregular_forms_meet_their_lemma_and_words_of_their_own_stay() -> None:
    # "Where did the soldiers withdraw to?" must find "... 400 men withdrew ... to nearby Ariha".
    assert tokenize("withdraw fled children went") == tokenize("withdrew flee child go")
    assert tokenize("He left, she saw the lives he found") == ["left", "saw", "live", "found"]


def test_a_damaged_irregular_forms_file_is_refused_with_a_message_naming_it(tmp_path: Path) -> None:
    damaged = tmp_path / IRREGULAR_FORMS.name
    damaged.write_bytes(IRREGULAR_FORMS.read_bytes().replace(b'"go"', b'"og"', 1))
    with pytest.raises(TextDataError, match=r"irregular-forms\.json is damaged"):
        irregular_forms(damaged)
    with pytest.raises(TextDataError, match="cannot read the irregular forms file"):
        irregular_forms(tmp_path / "missing.json")


def test_kinds_in_order_and_the_type_is_the_first() -> None:
    assert question_kinds("How many troops withdrew and to where?") == ("number", "place")
    assert question_type("How many troops withdrew and to where?") == "number"
    assert question_kinds("Which king signed it, and when?") == ("date", "person")
    assert question_type("Why did they leave?") == "other" and question_kinds("Why did they leave?") == ()


def test_the_counted_thing_before_a_past_tense_verb_and_amounts_of_money() -> None:
    assert counted_before_verb("How many people drowned when the boat sank?") == "people"
    assert counted_before_verb("How many Ukrainian soldiers died at the base?") == "ukrainian soldiers"
    assert counted_before_verb("Why did they leave?") is None
    assert CURRENCY.search("making over $4.6 billion available")
    assert CURRENCY.search("about 300 million dollars")
    assert not CURRENCY.search("about 300 soldiers")


def test_a_field_line_is_a_short_key_value_line_not_a_labelled_sentence() -> None:
    from rag.text import field_line, key_terms

    assert field_line("Peak Gust:      92 mph") == ("Peak Gust", "92 mph")
    assert field_line("Summary: The storm crossed the lake and damaged forty homes near the pier.") is None
    assert field_line("NOTE:") is None
    assert key_terms("Path Width /maximum/") == ["path", "width"]


def test_question_key_terms_name_dimensions_starts_and_the_kind_asked_for() -> None:
    from rag.text import question_key_terms

    named, kind = question_key_terms("How long and how wide was the path?")
    assert {"length", "width", "path"} <= named and not kind
    named, kind = question_key_terms("When did the storm first reach the coast?")
    assert "start" in named and {"date", "time"} <= kind


def test_lists_and_references_back() -> None:
    from rag.text import asks_why, is_list_item, opens_list

    assert opens_list("A FLOOD WATCH IS IN EFFECT FOR...") and opens_list("with these steps:")
    assert not opens_list("The dam held.")
    assert is_list_item("* LOWER VALLEY") and is_list_item("• Schools will close.")
    assert refers_back("These waves will cause erosion.") and not refers_back("Waves will cause erosion.")
    assert refers_back("THESE SWELLS WILL CAUSE RIP CURRENTS.") and refers_back("The town fell.")
    assert not refers_back("The Battle of Arden was fought.") and not refers_back("ITALY FELL.")
    assert asks_why("Why were the schools closed?") and not asks_why("When were the schools closed?")


def test_issue_dates_of_header_lines() -> None:
    import datetime

    from rag.text import issue_date

    assert issue_date("March 3, 2021") == datetime.date(2021, 3, 3)
    assert issue_date("Updated 4 June 2019") == datetime.date(2019, 6, 4)
    assert issue_date("1045 AM EST TUE FEB 02 2016") == datetime.date(2016, 2, 2)
    assert issue_date("Issued: 14 March 2026, 18:00 local time") == datetime.date(2026, 3, 14)
    assert issue_date("no date here") is None


def test_issue_date_questions_name_a_document_and_its_topic() -> None:
    from rag.text import issue_date_question

    assert issue_date_question("When was the fact sheet on the floods released?") == (
        {"fact", "sheet"},
        {"flood"},
    )
    assert issue_date_question("When was the report last updated?") == (set(), set())
    sitrep = "When was the sitrep on the valley floods issued?"
    assert issue_date_question(sitrep) == (set(), {"valley", "flood"})
    assert issue_date_question("When did FEMA issue the notice?") is None
    assert issue_date_question("On what date was the town taken?") is None


def test_upper_case_bulletin_fields_and_how_a_question_names_a_key() -> None:
    from rag.text import field_line, key_matches, question_key_terms

    assert field_line("MAXIMUM SUSTAINED WINDS...60 MPH...95 KM/H") == (
        "MAXIMUM SUSTAINED WINDS",
        "60 MPH...95 KM/H",
    )
    assert field_line("WIND...GALE FORCE WINDS ARE OCCURRING OVER PORTIONS OF THE COAST.") is None
    named, kinds = question_key_terms("How strong were the storm's top sustained winds?")
    assert key_matches("MAXIMUM SUSTAINED WINDS", named, kinds) is not None
    assert key_matches("MINIMUM CENTRAL PRESSURE", named, kinds) is None
    named, kinds = question_key_terms("When did the tornado end?")
    assert key_matches("End Time", named, kinds) == (frozenset({"end"}), 1.0)
    assert key_matches("Start Time", named, kinds) is None  # only the kind names "time"


def test_list_and_two_part_questions() -> None:
    from rag.text import asks_for_list, asks_two_things

    assert asks_for_list("Which towns were flooded?") and asks_for_list("Name the groups that marched.")
    assert asks_for_list("What charges did the police bring?")
    assert not asks_for_list("Which way did the storm move?")
    assert not asks_for_list("Which agency runs the grant program?")  # "runs" is its verb
    assert not asks_for_list("What does the survey say?") and not asks_for_list("What status was it given?")
    assert asks_two_things("How many died, and where were they buried?")
    assert asks_two_things("How long and how wide was the path?")
    assert not asks_two_things("How many soldiers held the town?")


def test_the_parts_of_a_multi_part_question_each_read_alone() -> None:
    from rag.text import question_parts

    assert question_parts("How many troops withdrew and to where?") == [
        "How many troops withdrew?",
        "to where (troops withdrew)?",
    ]
    assert question_parts("Where and when did the troops cross the bridge?") == [
        "Where did the troops cross the bridge?",
        "When did the troops cross the bridge?",
    ]
    # Words before a colon introduce the parts; they are what the later parts are about.
    assert question_parts("What were the losses: how many were killed and how many captured?") == [
        "how many were killed?",
        "how many captured (the losses)?",
    ]
    # "and" between two names of one question is no second part.
    question = "Why did the Kilab give up chasing the Quraysh and Kinana when night fell?"
    assert question_parts(question) == [question]
    assert question_parts("What is the population of Ariha?") == ["What is the population of Ariha?"]
    assert question_parts("How many, and how many?") == ["How many?", "how many?"]
    assert len(question_parts("Who came" + ", and who came" * 20 + "?")) == 4  # bounded


def test_a_sentence_holds_a_kind_the_question_does_not_name() -> None:
    from rag.text import holds_kind

    asked = {"how", "many", "trucks", "reached", "dover"}
    assert holds_kind("number", "Twelve trucks reached Dover.", asked)
    assert not holds_kind("place", "Twelve trucks reached Dover.", asked)
    assert holds_kind("place", "They reached Calais.", asked)
    assert holds_kind("date", "They left on 3 May.", asked) and not holds_kind("other", "Anything.", asked)


def test_a_question_is_put_in_the_report_s_relative_dates() -> None:
    from rag.text import in_report_terms, relative_dates

    text = "Yesterday the council met. Last month it voted."
    assert relative_dates(text, "March 1, 2021") == {
        "yesterday": "february 28 2021",
        "last month": "february 2021",
    }
    assert in_report_terms("What did the council do on February 28, 2021?", text, "March 1, 2021") == (
        "What did the council do yesterday?"
    )
    assert (
        in_report_terms("What did it do in February 2021?", text, "March 1, 2021")
        == "What did it do last month?"
    )
    assert (
        in_report_terms("What did it do on 28 February?", text, "March 1, 2021")
        == "What did it do yesterday?"
    )
    assert in_report_terms("What did it do in May 2020?", text, "March 1, 2021") is None
    assert in_report_terms("What did it do yesterday?", text, "") is None


def test_counts_dates_focus_and_back_references_for_the_sentence_signals() -> None:
    text = "On 18 January 2015, 13 officers and dozens of men died; laws are expected next month."
    assert [text[s:e] for s, e in count_spans(text)] == ["13", "dozens"]
    assert [text[s:e] for s, e in date_spans(text)] == ["18 January", "2015", "next month"]
    assert focus_words("How many government soldiers were said to have died?") == ["govern", "soldier"]
    assert focus_words("How many people drowned when the boat sank?") == ["peopl"]
    assert focus_words("Who died?") == ["die"]  # counts nothing: every token of the question
    assert refers_back("It was captured.") and not refers_back("Italy fell.")


def test_the_rest_of_a_quotation_a_sentence_leaves_open() -> None:
    from rag.text import quote_rest

    speech = ["\u201cCool clock, Ahmed.", "Want to bring it?", "It\u2019s great.\u201d", "Next."]
    assert quote_rest(speech, 0) == 2 and quote_rest(speech, 1) == 0
    assert quote_rest(speech, 0, limit=1) == 0  # not closed within the limit: left as it is
    assert quote_rest(['He said "go.', 'Now."'], 0) == 1
    assert quote_rest(['He said "go now."', "Later."], 0) == 0


def test_identifier_numbers_name_one_thing_among_alike_ones() -> None:
    from rag.text import identifier_numbers

    assert identifier_numbers("How many trucks did the inspectors count at depot 121?") == ["121"]
    assert identifier_numbers("What rating did Tornado #1 get?") == ["1"]
    # years, counts after a verb, months' days and percentages identify nothing
    assert identifier_numbers("What happened in May 2015 after the FY2024 notice?") == []
    assert identifier_numbers("Where did 15 of the shells land?") == []
    assert identifier_numbers("How much uranium enriched to 90 % does it hold?") == []


def test_dates_in_sentences_absolute_inferred_and_relative() -> None:
    import datetime

    from rag.text import dates_in

    issued = datetime.date(2015, 9, 22)  # a Tuesday
    labels = [
        m.label()
        for m in dates_in("On 22 September 2012 and By September 2012 and in mid-March.", None, 2014)
    ]
    assert labels == ["22 September 2012", "September 2012", "mid-March (2014-03)"]
    assert [m.label() for m in dates_in("On 15 April, six were killed.", None, 2014)] == [
        "15 April (2014-04-15)"
    ]
    assert dates_in("On 15 April, six were killed.") == []  # no year known: not placed
    relative = "Yesterday he met them; last week he was arrested; he was freed on Thursday."
    assert [m.label() for m in dates_in(relative, issued)] == [
        "Yesterday (2015-09-21)",
        "last week (week of 2015-09-14)",
        "Thursday (2015-09-17)",
    ]
    assert [m.iso() for m in dates_in("He will travel on Wednesday.", issued)] == ["2015-09-23"]
    assert dates_in("Yesterday he came.") == []  # no issue date: relative words are not placed
    assert dates_in("They may march on in 2,000 cases and 1,990 tanks.", issued) == []
    january = datetime.date(2016, 1, 2)
    assert [m.iso() for m in dates_in("It began on December 30.", january)] == ["2015-12-30"]
