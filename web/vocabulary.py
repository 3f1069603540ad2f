"""The words the site shows for ids: determinant labels from the taxonomy, place labels from the
gazetteer, and which places are local, in the order local places are listed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from search.evidence.determinants import Determinant, Taxonomy, load_taxonomy
from search.evidence.places import Gazetteer, default_gazetteer
from search.library import Library

__all__ = ["HOME_COUNTY", "REGION", "Vocabulary", "default_vocabulary", "vocabulary_of"]

HOME_COUNTY = "leicestershire"
REGION = "east_midlands"


@dataclass(frozen=True)
class Vocabulary:
    taxonomy: Taxonomy
    gazetteer: Gazetteer

    def determinant(self, determinant_id: str) -> Determinant | None:
        return self.taxonomy.determinant(determinant_id)

    def determinant_label(self, determinant_id: str) -> str:
        found = self.taxonomy.determinant(determinant_id)
        return found.label if found else determinant_id

    def place_label(self, place_id: str) -> str:
        found = self.gazetteer.place(place_id)
        return found.label if found else place_id

    def lens_labels(self) -> dict[str, str]:
        """Every lens id as passages are tagged with it, and how the filters name it."""
        out: dict[str, str] = {}
        for lens in self.taxonomy.lenses:
            if lens.values:
                out.update({f"{lens.id}:{v.id}": f"{lens.label}: {v.label}" for v in lens.values})
            else:
                out[lens.id] = lens.label
        return out

    def lens_label(self, lens_id: str) -> str:
        return self.lens_labels().get(lens_id, lens_id)

    def is_local_place(self, place_id: str) -> bool:
        found = self.gazetteer.place(place_id)
        return bool(found and found.is_local)

    def local_order(self) -> list[str]:
        """Leicestershire, its districts, the other local places (Leicester, Rutland), then the
        East Midlands: from the most to the least specific way to say 'here'."""
        places = self.gazetteer.places.values()
        local = [p for p in places if p.is_local]
        districts = [p.id for p in local if p.parent == HOME_COUNTY]
        others = [p.id for p in local if p.id not in (HOME_COUNTY, REGION, *districts)]
        tail = [REGION] if REGION in self.gazetteer.places else []
        head = [HOME_COUNTY] if HOME_COUNTY in self.gazetteer.places else []
        return [*head, *districts, *others, *tail]

    def labels(self) -> dict[str, dict[str, str]]:
        """Value labels per filter field, for the chosen-filter tags."""
        return {
            "determinant": {d.id: d.label for d in self.taxonomy.determinants},
            "place": {p.id: p.label for p in self.gazetteer.places.values()},
            "lens": self.lens_labels(),
        }


@cache
def _default_taxonomy() -> Taxonomy:
    return load_taxonomy()


def default_vocabulary() -> Vocabulary:
    """The project's own taxonomy and gazetteer (for callers with no library at hand)."""
    return Vocabulary(_default_taxonomy(), default_gazetteer())


def vocabulary_of(library: Library) -> Vocabulary:
    """The taxonomy and gazetteer the library tags with (checked when it was opened)."""
    tagging = library.index.tagging
    if tagging is None:
        return default_vocabulary()
    return Vocabulary(tagging.taxonomy, tagging.gazetteer)
