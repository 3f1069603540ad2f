"""The OpenAPI schema tells the truth: a bounded schemathesis run over every API operation on the
small test library finds no server error and no response that breaks the schema."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from search.library import Library
from search.settings import Settings
from web.app import create_app

# Enough cases per operation to meet long, empty, odd and hostile values, in well under a minute.
EXAMPLES_PER_OPERATION = 40


def _with_real_ids(
    cases: SearchStrategy[schemathesis.Case], real: dict[str, list[str]]
) -> SearchStrategy[schemathesis.Case]:
    """Made-up ids only ever meet a 404; half the cases name a real document or determinant, so
    what lies behind the 404 (page numbers, passages) is tried too."""

    def name_real(case: schemathesis.Case, picks: dict[str, str | None]) -> schemathesis.Case:
        for name, value in picks.items():
            if value is not None and case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = value
        return case

    picks = st.fixed_dictionaries(
        {name: st.one_of(st.none(), st.sampled_from(ids)) for name, ids in real.items()}
    )
    return st.builds(name_real, cases, picks)


def test_api_answers_as_its_schema_says(settings: Settings, library: Library) -> None:
    app = create_app(settings, library=library)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    real = {
        "doc_id": sorted(library.catalogue.doc_ids()),
        "determinant_id": ["housing", "income", "transport"],
    }
    assert len(operations) >= 6, "the schema lost operations"
    for operation in operations:
        # Cases that follow the schema and cases that break it: both must be answered calmly.
        cases = _with_real_ids(
            st.one_of(
                operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
                operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
            ),
            real,
        )

        @given(case=cases)
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            # Every check, "negative data must be rejected" included: a page number of 0 or a
            # year of "abc" must be turned away, not answered.
            case.call_and_validate()

        check()
