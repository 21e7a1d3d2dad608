"""Background tasks (django-tasks, run by `manage.py db_worker`)."""

from django_tasks import task

from .importing import import_job_commit, import_job_validate
from .models import ImportJob, ImportStatus


@task()
def import_job_run(stage: str, job_id: str) -> None:
    job = ImportJob.objects.get(pk=job_id)
    if stage == "validate" and job.status == ImportStatus.UPLOADED:
        import_job_validate(job=job)
    elif stage == "commit" and job.status == ImportStatus.COMMITTING:
        import_job_commit(job=job)
