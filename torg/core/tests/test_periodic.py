"""Periodic jobs: enqueued when due, once per interval, and the command's single check."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import task
from django.utils import timezone

from torg.core import periodic
from torg.core.models import PeriodicRun
from torg.people.models import Department


@task()
def make_department() -> int:
    n = Department.objects.count()
    return Department.objects.create(name=f"Dept {n}", slug=f"dept-{n}").pk


@pytest.fixture
def registered_job():
    saved = dict(periodic._registry)
    periodic._registry.clear()
    periodic.register(make_department, every=timedelta(hours=1))
    yield make_department.module_path
    periodic._registry.clear()
    periodic._registry.update(saved)


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_when_due_and_not_again_within_its_interval(registered_job):
    now = timezone.now()
    assert periodic.enqueue_due(now) == [registered_job]
    assert Department.objects.count() == 1  # tests run tasks immediately
    assert periodic.enqueue_due(now + timedelta(minutes=59)) == []
    assert Department.objects.count() == 1
    assert periodic.enqueue_due(now + timedelta(minutes=60)) == [registered_job]
    assert Department.objects.count() == 2
    assert PeriodicRun.objects.get(name=registered_job).last_run_at == now + timedelta(minutes=60)


@pytest.mark.django_db(transaction=True)
def test_run_periodic_once_enqueues_due_jobs_and_exits(registered_job, capsys):
    call_command("run_periodic", "--once")
    assert f"enqueued {registered_job}" in capsys.readouterr().out
    assert Department.objects.count() == 1
    call_command("run_periodic", "--once")
    assert Department.objects.count() == 1
