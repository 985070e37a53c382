"""Query text: folding, words, French stop words, and synonym expansion shared by both engines."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("synonyms.json")

# Words that carry no meaning in a need typed by a social worker ("aide pour dormir ce soir"),
# and the Dutch and English ones of needs typed at the guichet ("hulp bij huur", "help with
# debts"): were they required, no document would have them all. "Help" and "hulp" say no
# more than that a need follows; as words to find they would rank every "Aide…" above the
# debt counsellors.
# So do the verbs of a need ("trouver un logement", "payer le loyer"): required, they left
# one service of the twenty-six that help find housing.
_STOP_WORDS = """
a au aux avec ce ces cet cette d de des du elle en et eux il ils je j l la le les leur leurs
lui m ma mais me meme mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se
ses son sur t ta te tes toi ton tu un une vos votre vous y est sont etre avoir chez dans
besoin cherche veux voudrais faut
chercher trouver obtenir demander recevoir payer aimerais souhaite souhaiterais peux puis
comment quand
aan bij een het hulp ik kan met mijn naar nodig om op van voor waar wil zoek zoeken vinden
krijgen betalen aanvragen hoe
and can for get help how i looking my need of some the to want where with find pay apply
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Épicerie' -> 'epicerie'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe")


def words(text: str) -> list[str]:
    """The folded words of a text; apostrophes and hyphens separate words (l'aide, sans-abri)."""
    return _WORD.findall(fold(text))


def meaningful_words(text: str) -> list[str]:
    """The words of a query without its stop words."""
    return [w for w in words(text) if w not in STOP_WORDS]


def number_forms(word: str) -> set[str]:
    """A folded word in the singular and in the plural by the regular French rules (-s, -x
    after -eu and -au, -al to -aux): 'dette' -> {'dette', 'dettes'}. A word that only looks
    plural ('sans') gets a form nobody types, which finds nothing."""
    if len(word) < 3 or not word.isalpha():
        return {word}
    if word.endswith(("eux", "eaux")):
        return {word, word[:-1]}
    if word.endswith("aux"):
        return {word, word[:-3] + "al"}
    if word.endswith("s") and not word.endswith("ss"):
        return {word, word[:-1]}
    if word.endswith(("au", "eu")):
        return {word, word + "x"}
    if word.endswith("al"):
        return {word, word + "s", word[:-2] + "aux"}
    if word.endswith(("x", "z")):
        return {word}
    return {word, word + "s"}


def number_variants(phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The other phrases a phrase of several words is with each word in the singular or the
    plural ('mediation dettes' -> 'mediation dette', 'mediations dettes'...).

    One word gets only its plural ('ado' -> 'ados'): a synonym term typed in the plural is no
    term, and the engines' stemming or typo tolerance match documents, not the file ('ados'
    found nothing where 'ado' found the youth services). Not its singular: 'arts' (Dutch, a
    doctor) is no 'art'; a plural term typed in the singular matches its documents' words.
    """
    if len(phrase) == 1:
        [word] = phrase
        return sorted((form,) for form in number_forms(word) if len(form) > len(word))
    return sorted(set(product(*(sorted(number_forms(w)) for w in phrase))) - {phrase})


TYPO_MIN_LENGTH = 5
"""Words this long or longer may be taken for the synonym one typo away ("daklozn")."""


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_typo_apart(a: str, b: str) -> bool:
    """Whether `b` is `a` with one letter added, dropped, changed, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        first, second = differ[0], differ[-1]
        return (
            len(differ) == 2
            and second == first + 1
            and a[first] == b[second]
            and a[second] == b[first]
        )
    shorter, longer = sorted((a, b), key=len)
    return shorter in _deletions(longer)


@dataclass(frozen=True)
class Synonyms:
    """Phrase -> what else it means, phrases as tuples of folded meaningful words."""

    expansions: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
    longest: int
    _by_deletion: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    """Each one-word term, and each of it with one letter dropped -> the terms (a typo index:
    two words one typo apart share one of these)."""

    def __post_init__(self) -> None:
        index: dict[str, set[str]] = {}
        for key in self.expansions:
            if len(key) == 1 and len(key[0]) >= TYPO_MIN_LENGTH - 1:
                for form in {key[0], *_deletions(key[0])}:
                    index.setdefault(form, set()).add(key[0])
        self._by_deletion.update({form: tuple(sorted(keys)) for form, keys in index.items()})

    def near(self, word: str) -> str | None:
        """The one-word term a typo away from `word`, when `word` is no term itself: the
        Dutch and English words people type have no documents to correct them against."""
        if len(word) < TYPO_MIN_LENGTH or (word,) in self.expansions:
            return None
        candidates = {
            key
            for form in (word, *_deletions(word))
            for key in self._by_deletion.get(form, ())
            if one_typo_apart(word, key)
        }
        return min(candidates) if candidates else None

    @classmethod
    def from_data(cls, data: dict[str, object]) -> Synonyms:
        """Build from the synonyms file's content."""
        table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

        def add(term: str, meaning: str) -> None:
            key, value = tuple(meaningful_words(term)), tuple(meaningful_words(meaning))
            if key and value and key != value and value not in table.setdefault(key, []):
                table[key].append(value)

        for group in data.get("equivalents", []):  # type: ignore[attr-defined]
            for term in group:
                for other in group:
                    add(term, other)
        for term, meanings in data.get("expansions", {}).items():  # type: ignore[attr-defined]
            for meaning in meanings:
                add(term, meaning)
        # A phrase typed in the singular means what it means in the plural ("médiation de
        # dette" as "médiation de dettes"), and the phrase as written is one of its meanings;
        # a variant that is an entry of its own keeps its own meanings.
        for key, meanings in list(table.items()):
            for variant in number_variants(key):
                if variant not in table:
                    table[variant] = [key, *meanings]
        longest = max((len(k) for k in table), default=1)
        return cls({k: tuple(v) for k, v in table.items()}, longest)


@lru_cache(maxsize=1)
def load_synonyms(path: Path = SYNONYMS_FILE) -> Synonyms:
    """The synonyms of the data file, read once."""
    return Synonyms.from_data(json.loads(path.read_text(encoding="utf-8")))


def raw_synonyms(path: Path = SYNONYMS_FILE) -> dict[str, list[str]]:
    """The file as Meilisearch wants it: term -> its synonyms (as written, accents kept)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, list[str]] = {}
    for group in data.get("equivalents", []):
        for term in group:
            table.setdefault(term, []).extend(t for t in group if t != term)
    for term, meanings in data.get("expansions", {}).items():
        table.setdefault(term, []).extend(meanings)
    return {term: list(dict.fromkeys(values)) for term, values in table.items()}


_TOKEN = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _free_phrases(path: Path = SYNONYMS_FILE) -> frozenset[tuple[str, ...]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return frozenset(tuple(words(term)) for term in data.get("free_of_charge", []))


def without_free_words(query: str) -> str | None:
    """`query` without the words that ask for free services, or None when it has none:
    'avocat gratuit' -> 'avocat', 'gratis' -> ''. They are the Free filter, not words to
    find: a free lawyer seldom writes "gratuit", and the services that do are not all free.
    The words are those of the synonyms file's `free_of_charge`, any case and accents."""
    phrases = _free_phrases()
    longest = max(map(len, phrases), default=0)
    tokens = [(m.start(), m.end(), fold(m.group())) for m in _TOKEN.finditer(query)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            if tuple(token[2] for token in tokens[i : i + size]) in phrases:
                spans.append((tokens[i][0], tokens[i + size - 1][1]))
                i += size
                break
        else:
            i += 1
    if not spans:
        return None
    kept, cursor = [], 0
    for start, end in spans:
        kept.append(query[cursor:start])
        cursor = end
    kept.append(query[cursor:])
    return " ".join("".join(kept).split()).strip(" ,;:.!?/-")


@dataclass(frozen=True)
class TermGroup:
    """One need in the query: the words typed, and the phrases that mean the same.

    A document matches the group when it matches any alternative; the query matches when
    every group does.
    """

    typed: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...]
    prefix: bool = False
    """The last word was perhaps not finished: match it as a prefix."""
    near: str | None = None
    """The synonym term the typed word was also taken for, one typo away ("daklozen")."""


def expand(query: str, synonyms: Synonyms | None = None) -> list[TermGroup]:
    """Split a query into groups of alternatives, longest synonym phrases first."""
    synonyms = synonyms or load_synonyms()
    tokens = meaningful_words(query)
    unfinished = bool(query) and not query[-1].isspace()
    groups: list[TermGroup] = []
    i = 0
    while i < len(tokens):
        for size in range(min(synonyms.longest, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i : i + size])
            meanings = synonyms.expansions.get(phrase)
            near = synonyms.near(phrase[0]) if size == 1 and not meanings else None
            if near is not None:
                meanings = ((near,), *synonyms.expansions[(near,)])
            if meanings or size == 1:
                last = i + size == len(tokens)
                groups.append(
                    TermGroup(
                        typed=phrase,
                        alternatives=(phrase, *(meanings or ())),
                        # A term of the file is a whole word: "langes" is no start of
                        # "langue" (whose stem "lang" would match as a prefix).
                        prefix=unfinished
                        and last
                        and size == 1
                        and len(phrase[0]) >= 3
                        and not meanings,
                        near=near,
                    )
                )
                i += size
                break
    return groups
