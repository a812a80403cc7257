"""Value vocabularies of club exports: the words medical and performance staff write,
mapped onto the dataset's few categories.

Medical logs are written in the staff's own words and language ("Muscular", "Muslo",
"Hamstring strain", "Isquiotibiales"). A file is never refused for its vocabulary: a word
that maps onto nothing is stored as `other`, its original text is kept in a `<field>_raw`
column, and the import summary lists it once so staff can add a `--map-value`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from firmware_bridge.errors import UserError

SESSION_TYPES = ("training", "match", "recovery", "rehab", "other")
INJURY_TYPES = ("muscle", "ligament", "contusion", "overuse", "other")
INJURY_LOCATIONS = ("hamstring", "groin", "knee", "ankle", "calf", "thigh", "hip", "foot", "other")

# Synonyms, English and Spanish, written without accents (texts are compared without them).
SESSION_TYPE_SYNONYMS = {
    "game": "match",
    "fixture": "match",
    "friendly": "match",
    "competition": "match",
    "partido": "match",
    "amistoso": "match",
    "train": "training",
    "practice": "training",
    "pitch": "training",
    "session": "training",
    "entrenamiento": "training",
    "entreno": "training",
    "regen": "recovery",
    "recuperacion": "recovery",
    "regeneracion": "recovery",
    "rehabilitation": "rehab",
    "rehabilitacion": "rehab",
    "readaptacion": "rehab",
}
INJURY_TYPE_SYNONYMS = {
    "strain": "muscle",
    "muscular": "muscle",
    "tear": "muscle",
    "muscle injury": "muscle",
    "rotura": "muscle",
    "rotura fibrilar": "muscle",
    "distension": "muscle",
    "elongacion": "muscle",
    "desgarro": "muscle",
    "musculo": "muscle",
    "sprain": "ligament",
    "ligamentous": "ligament",
    "joint": "ligament",
    "articular": "ligament",
    "esguince": "ligament",
    "ligamentosa": "ligament",
    "ligamentoso": "ligament",
    "ligamento": "ligament",
    "menisco": "ligament",
    "meniscus": "ligament",
    "bruise": "contusion",
    "knock": "contusion",
    "dead leg": "contusion",
    "contusión": "contusion",
    "golpe": "contusion",
    "traumatismo": "contusion",
    "tendinopathy": "overuse",
    "tendinitis": "overuse",
    "tendinosis": "overuse",
    "tendinopatia": "overuse",
    "tendinosa": "overuse",
    "sobrecarga": "overuse",
    "overload": "overuse",
    "fracture": "other",
    "fractura": "other",
    "bone": "other",
    "osea": "other",
    "illness": "other",
    "enfermedad": "other",
}
INJURY_LOCATION_SYNONYMS = {
    "hamstrings": "hamstring",
    "biceps femoris": "hamstring",
    "semitendinosus": "hamstring",
    "semimembranosus": "hamstring",
    "isquiotibiales": "hamstring",
    "isquiotibial": "hamstring",
    "isquios": "hamstring",
    "biceps femoral": "hamstring",
    "adductor": "groin",
    "adductors": "groin",
    "aductor": "groin",
    "aductores": "groin",
    "ingle": "groin",
    "pubis": "groin",
    "pubalgia": "groin",
    "quad": "thigh",
    "quads": "thigh",
    "quadriceps": "thigh",
    "rectus femoris": "thigh",
    "muslo": "thigh",
    "cuadriceps": "thigh",
    "recto femoral": "thigh",
    "calves": "calf",
    "gastrocnemius": "calf",
    "soleus": "calf",
    "gemelo": "calf",
    "gemelos": "calf",
    "pantorrilla": "calf",
    "soleo": "calf",
    "knees": "knee",
    "rodilla": "knee",
    "acl": "knee",
    "mcl": "knee",
    "lca": "knee",
    "ankles": "ankle",
    "tobillo": "ankle",
    "feet": "foot",
    "pie": "foot",
    "hips": "hip",
    "cadera": "hip",
}


def plain(text: str) -> str:
    """Lower case, accents dropped, runs of spaces and punctuation made one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_text.lower()).split())


@dataclass(frozen=True)
class Vocabulary:
    """One field's categories and the words that name them."""

    field: str
    values: tuple[str, ...]
    synonyms: Mapping[str, str]

    @cached_property
    def _known(self) -> dict[str, str]:
        return {plain(k): v for k, v in self.synonyms.items()} | {v: v for v in self.values}

    def lookup(self, text: str, overrides: Mapping[str, str]) -> str | None:
        """The category `text` names, or None: the club's own mapping first, then the whole
        text, then its words and word pairs in order ('Hamstring strain' -> muscle)."""
        word = plain(text)
        if word in overrides:
            return overrides[word]
        known = self._known
        if word in known:
            return known[word]
        tokens = word.split()
        for size in (2, 1):
            for start in range(len(tokens) - size + 1):
                hit = known.get(" ".join(tokens[start : start + size]))
                if hit is not None:
                    return hit
        return None


VOCABULARIES = {
    ("sessions", "type"): Vocabulary("type", SESSION_TYPES, SESSION_TYPE_SYNONYMS),
    ("injuries", "type"): Vocabulary("type", INJURY_TYPES, INJURY_TYPE_SYNONYMS),
    ("injuries", "location"): Vocabulary("location", INJURY_LOCATIONS, INJURY_LOCATION_SYNONYMS),
}


class ValueMapError(UserError, ValueError):
    """A --map-value option that cannot be used (bad shape, unknown field or category)."""


def parse_value_map(entries: Iterable[str], table: str) -> dict[str, dict[str, str]]:
    """`["location:Gemelo interno=calf", ...]` into {field: {plain text: category}}."""
    mapping: dict[str, dict[str, str]] = {}
    for entry in entries:
        target, eq, value = entry.rpartition("=")
        name, colon, text = target.partition(":")
        if not eq or not colon or not name.strip() or not plain(text) or not value.strip():
            raise ValueMapError(
                f"--map-value {entry!r}: expected FIELD:TEXT=VALUE, "
                "e.g. 'location:Gemelo interno=calf'"
            )
        vocabulary = VOCABULARIES.get((table, name.strip()))
        if vocabulary is None:
            fields = ", ".join(f for t, f in VOCABULARIES if t == table)
            raise ValueMapError(
                f"--map-value {entry!r}: {table} have no field '{name.strip()}' "
                f"with categories (one of {fields})"
            )
        if value.strip() not in vocabulary.values:
            raise ValueMapError(
                f"--map-value {entry!r}: '{value.strip()}' is not a "
                f"{name.strip()} (one of {', '.join(vocabulary.values)})"
            )
        mapping.setdefault(name.strip(), {})[plain(text)] = value.strip()
    return mapping


@dataclass
class UnknownWords:
    """Texts no vocabulary knew, per field, with how many rows wrote each."""

    seen: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, field_name: str, text: str) -> None:
        self.seen.setdefault(field_name, Counter())[text] += 1

    def notes(self) -> list[str]:
        """One line per field, each word once: what staff may want to --map-value."""
        lines = []
        for name, counts in self.seen.items():
            words = ", ".join(
                f"{word!r} ({n} row{'s' if n > 1 else ''})" for word, n in counts.most_common()
            )
            lines.append(
                f"{name}: unknown word(s) stored as 'other', original text kept in "
                f"{name}_raw: {words}; map one with --map-value '{name}:TEXT=VALUE'"
            )
        return lines


@dataclass(frozen=True)
class Categorised:
    """A cell read through a vocabulary: its category, and its own text where that differs."""

    value: str
    raw: str | None


def categoriser(
    vocabulary: Vocabulary, overrides: Mapping[str, str], unknown: UnknownWords
) -> Callable[[str], Categorised]:
    """A cell reader that never refuses a word: unknown ones become `other`, and counted."""

    def categorise(text: str) -> Categorised:
        text = " ".join(text.split())
        found = vocabulary.lookup(text, overrides)
        if found is None:
            unknown.add(vocabulary.field, text)
            return Categorised("other", text)
        return Categorised(found, None if plain(text) == found else text)

    return categorise
