"""Background job (django-tasks, run by `manage.py db_worker`): a task's archive."""

from django_tasks import task

from .jobs import job_run


@task()
def generate_task_archive(task_pk: int, user_pk: int) -> None:
    job_run(task_pk=task_pk, user_pk=user_pk)
