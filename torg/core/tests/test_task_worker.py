"""The default task backend (database queue + `db_worker`) runs work enqueued after commit."""

import pytest
from asgiref.local import Local
from django.core.management import call_command
from django.db import transaction
from django.tasks import task, task_backends
from django.test import override_settings

from torg.core.events import enqueue_on_commit
from torg.people.models import Department

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@task()
def create_department(name: str) -> int:
    return Department.objects.create(name=name, slug=name.lower()).pk


def _forget_task_backends() -> None:
    # Django caches the configured backends; make it read TASKS again.
    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def database_task_backend():
    with override_settings(TASKS=DB_TASKS):
        _forget_task_backends()
        assert type(create_department.get_backend()).__name__ == "DatabaseBackend"
        yield
    _forget_task_backends()


@pytest.mark.django_db(transaction=True)
def test_work_enqueued_in_a_transaction_runs_only_after_commit_in_the_worker(
    database_task_backend,
):
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        enqueue_on_commit(create_department, "Finance")
        assert DBTaskResult.objects.count() == 0
    assert DBTaskResult.objects.count() == 1
    assert not Department.objects.exists()

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    assert list(Department.objects.values_list("name", flat=True)) == ["Finance"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_enqueues_nothing(database_task_backend):
    from django_tasks_db.models import DBTaskResult

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(create_department, "Sales")
        raise RuntimeError("rolled back")
    assert DBTaskResult.objects.count() == 0
