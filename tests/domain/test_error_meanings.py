"""One table gives every domain error its meaning; a door that must differ says why."""

from __future__ import annotations

from http import HTTPStatus

from incidents.domain import errors
from incidents.domain.error_meanings import MEANINGS, meaning_of


def _subclasses(cls: type[errors.DomainError]) -> set[type[errors.DomainError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_domain_error_has_a_row() -> None:
    assert _subclasses(errors.DomainError) <= set(MEANINGS)


def test_a_row_that_differs_on_a_page_says_why() -> None:
    for error, meaning in MEANINGS.items():
        assert (meaning.page_status is None) == (not meaning.why), error


def test_a_stale_version_is_a_precondition_for_the_api_and_a_conflict_on_a_page() -> None:
    meaning = meaning_of(errors.VersionMismatch(1, 2))
    assert meaning.status == HTTPStatus.PRECONDITION_FAILED
    assert meaning.on_page == HTTPStatus.CONFLICT
