import pytest
from django.contrib.auth.models import AnonymousUser

from torg.people.access import PersonNotFound, access_person, visible_people
from torg.people.tests.conftest import make_group

pytestmark = pytest.mark.django_db


def test_employees_see_every_active_person_and_no_inactive_one(make_person):
    viewer = make_person("Kari Nordmann")
    ola = make_person("Ola Hansen")
    guest = make_person("Petra Lind", is_guest=True)
    make_person("Gone Away", is_active=False)
    assert list(visible_people(viewer)) == [viewer, ola, guest]


def test_guests_see_only_people_sharing_a_group_and_themselves(make_person):
    guest = make_person("Petra Lind", is_guest=True)
    colleague = make_person("Kari Nordmann")
    stranger = make_person("Ola Hansen")
    gone = make_person("Gone Away", is_active=False)
    make_group("project", members=(guest, colleague, gone))
    make_group("other", members=(stranger,))
    assert list(visible_people(guest)) == [colleague, guest]
    assert access_person(guest, colleague.pk) == colleague
    with pytest.raises(PersonNotFound):
        access_person(guest, stranger.pk)


def test_anonymous_and_inactive_viewers_see_nobody(make_person):
    person = make_person("Kari Nordmann")
    inactive = make_person("Gone Away", is_active=False)
    assert list(visible_people(AnonymousUser())) == []
    assert list(visible_people(inactive)) == []
    with pytest.raises(PersonNotFound):
        access_person(AnonymousUser(), person.pk)


@pytest.mark.parametrize("bad_id", [0, -1, 2**63, 2**70, "abc", "12a", "", None, True, 1.5, "١"])
def test_bad_ids_are_not_found(make_person, bad_id):
    viewer = make_person("Kari Nordmann")
    with pytest.raises(PersonNotFound) as excinfo:
        access_person(viewer, bad_id)
    assert str(excinfo.value) == "Not found"


def test_inactive_and_nonexistent_people_answer_identically(make_person):
    viewer = make_person("Kari Nordmann")
    gone = make_person("Gone Away", is_active=False)
    with pytest.raises(PersonNotFound) as hidden:
        access_person(viewer, gone.pk)
    with pytest.raises(PersonNotFound) as missing:
        access_person(viewer, gone.pk + 1000)
    assert str(hidden.value) == str(missing.value) == "Not found"
    assert access_person(viewer, str(viewer.pk)) == viewer
