"""Background job (django-tasks, run by `manage.py db_worker`): a draw's documents as one .zip."""

from django_tasks import task

from .documents import batch_run


@task()
def generate_draw_documents(draw_pk: int, user_pk: int, formats: list[str], variant: str) -> None:
    batch_run(draw_pk=draw_pk, user_pk=user_pk, formats=formats, variant=variant)
