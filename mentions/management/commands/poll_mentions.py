from django.core.management.base import BaseCommand, CommandError

from mentions import services
from mentions.models import Source


class Command(BaseCommand):
    help = (
        "Poll the mention sources: every active source that is due, every active source with --all, "
        "or one source with --source ID. Prints one line per source and ends with "
        "'N new mentions from M sources'. A failing source is reported and backs off; the others go on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, help="Poll only this source (by id), even when not due.")
        parser.add_argument("--all", action="store_true", help="Poll every active source, due or not.")

    def handle(self, *args, **options):
        if options["source"] is not None:
            source = Source.objects.filter(pk=options["source"]).first()
            if source is None:
                raise CommandError(f"There is no source with id {options['source']}.")
            sources = [source]
        elif options["all"]:
            sources = list(Source.objects.filter(is_active=True).order_by("name"))
        else:
            sources = list(services.due_sources().order_by("next_poll_at", "pk"))
        total = failed = 0
        for index, source in enumerate(sources, 1):
            result = services.poll_source(source)
            total += result.new
            prefix = f"[{index}/{len(sources)}] {source.name}:"
            if result.error:
                failed += 1
                self.stdout.write(
                    self.style.WARNING(f"{prefix} failed ({result.error}); next try in {source.backoff()}")
                )
            elif result.not_modified:
                self.stdout.write(f"{prefix} not modified since the last poll")
            else:
                self.stdout.write(
                    f"{prefix} {result.new} new, {result.reposts} repost(s), {result.skipped} skipped"
                )
        tail = f" ({failed} failed)" if failed else ""
        self.stdout.write(
            f"{total} new mention{'s' if total != 1 else ''} from {len(sources)} source{'s' if len(sources) != 1 else ''}{tail}"
        )
