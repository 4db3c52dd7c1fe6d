"""Reworded questions: does the product answer when the question's words are not the report's?

    python benchmarks/reworded_probe.py

A probe, not a fit set (nothing is tuned on it): a survey bulletin with three ``Key: value``
tornado blocks (written for this probe) and the seed report, indexed together; each question is
asked twice, once in the report's own words and once reworded as a user might ("How wide ...?"
for "Path Width"). Prints, per question, the support grade, the confidence and whether the quote
holds the expected text, and whether the quote the product would give without abstaining
(``abstain_threshold=0``) holds it; then per wording how many were quoted right ("answered" or
"uncertain"), wrong, or abstained, and how many would be right if never abstaining. A product
that reads answers both wordings alike; "right if never abstaining" above "quoted right" means
the sentence was found and the confidence held it back.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SURVEY = """Public Information Statement
National Weather Service Shreveport LA
1015 PM CST Thu Dec 15 2022

...NWS Damage Survey for 12/13/22 Tornado Event - Update #2...

.Tornado #1...Panola/Harrison County, TX

Rating:                 EF2
Estimated Peak Wind:    115 mph
Path Length /statute/:  9.16 miles
Path Width /maximum/:   460.0 yards
Fatalities:             0
Injuries:               0

Summary: The tornado touched down in a forested area in Panola County and crossed into Harrison
County, snapping about 200 softwood trees.

.Tornado #2...Caddo Parish, LA

Rating:                 EF1
Estimated Peak Wind:    100 mph
Path Length /statute/:  3.4 miles
Path Width /maximum/:   250.0 yards
Fatalities:             0
Injuries:               2

Summary: The tornado touched down near Keithville and damaged several mobile homes before lifting
near Interstate 49.

.Tornado #3...Union Parish, LA

Rating:                 EF3
Estimated Peak Wind:    140 mph
Path Length /statute/:  12.8 miles
Path Width /maximum/:   900.0 yards
Fatalities:             1
Injuries:               4

Summary: The tornado destroyed two homes near Farmerville, where one person was killed.
"""

#: (the report's own words, reworded, text the quote must hold).
PAIRS = (
    (
        "What was the path width of the Caddo Parish tornado?",
        "How wide was the Caddo Parish tornado's path?",
        "250.0 yards",
    ),
    (
        "How many injuries did the Union Parish tornado cause?",
        "How many people were hurt by the Union Parish tornado?",
        "Injuries:               4",
    ),
    (
        "What was the estimated peak wind of the Panola County tornado?",
        "How strong were the winds of the Panola County tornado?",
        "115 mph",
    ),
    (
        "What was the path length of the Union Parish tornado?",
        "How far did the Union Parish tornado travel?",
        "12.8 miles",
    ),
    (
        "How many fatalities did the Union Parish tornado cause?",
        "How many people did the Union Parish tornado kill?",
        "Fatalities:             1",
    ),
    (
        "What rating did the Caddo Parish tornado get?",
        "How strong was the Caddo Parish tornado on the Fujita scale?",
        "EF1",
    ),
    ("Where did the 400 men withdraw to?", "Where did the soldiers go after leaving the base?", "Ariha"),
    ("How many men withdrew from Mastoumeh?", "How big was the garrison that pulled out?", "400 men"),
)


def main() -> None:
    """Command line: see the module docstring."""
    from rag import ReportQA

    tmp = Path(tempfile.mkdtemp())
    try:
        folder = tmp / "reports"
        shutil.copytree(REPO / "seeds", folder)
        (folder / "tornado_survey.txt").write_text(SURVEY, encoding="utf-8")
        qa = ReportQA(tmp / "index", brief_entities="on-demand")
        qa.ingest([folder])
        forced = ReportQA(tmp / "index", brief_entities="on-demand", abstain_threshold=0.0)
        tally = {"own words": [0, 0, 0, 0, 0], "reworded": [0, 0, 0, 0, 0]}
        for own, reworded, expected in PAIRS:
            for label, question in (("own words", own), ("reworded", reworded)):
                a, b = qa.ask(question), forced.ask(question)
                right = not a.abstained and any(expected in c.quote for c in a.citations)
                found = any(expected in c.quote for c in b.citations)
                counts = tally[label]
                counts[0 if right else (3 if a.abstained else 2)] += 1
                counts[1] += right and a.support == "answered"
                counts[4] += found
                mark = "right" if right else ("-" if a.abstained else "WRONG")
                print(
                    f"{label:9s} {a.support:10s} {a.confidence:.2f} {mark:5s} "
                    f"(never abstaining: {'right' if found else 'wrong'}) {question}"
                )
        for label, (right, answered, wrong, abstained, found) in tally.items():
            print(
                f'{label:9s}: quoted right {right} ({answered} of them "answered"), wrong {wrong}, '
                f"abstained {abstained}, right if never abstaining {found}, of {len(PAIRS)}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
